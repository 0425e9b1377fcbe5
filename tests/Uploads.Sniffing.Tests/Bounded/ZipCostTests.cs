using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Uploads.Adversarial;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// ZIP and Office packages (<see cref="ZipShapes"/>): each entry counted once, local and central names equal, one
/// inflation allowance per file shared by every part and embedded package, every part inflated once over the rounds
/// of reading; crafted archives refused for their structure at a small fraction of the work budget, at every size.
/// </summary>
public sealed class ZipCostTests
{
    private const string WordMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

    /// <summary>What each shape's refusal must say: the structural rule that refuses it.</summary>
    private static readonly Dictionary<string, string> Reasons = new()
    {
        ["docx-shared-local-header"] = "point at the same local header",
        ["docx-name-mismatch"] = "the local header of word/header1.xml names it 'word/vbaProject1.bin'",
        ["docx-nested-packages"] = "word/embeddings/Microsoft_Word_Document1.docx cannot be opened (The ZIP archive is damaged or hostile: its entries",
        ["docx-ratio-bomb"] = "its word/document.xml inflates",
        ["docx-overlapping-entries"] = "overlap (the data of one runs into the other",
    };

    public static TheoryData<string, int> ShapesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in ZipShapes.All)
        {
            foreach (var size in new[] { 4 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024 })
            {
                data.Add(shape.Name, size);
            }
        }

        return data;
    }

    public static TheoryData<string> OfficeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Corpus.Directory).Concat(Directory.GetFiles(ActiveCorpus.Directory)).Order())
        {
            if (Path.GetExtension(file) is ".docx" or ".xlsx" or ".pptx" or ".odt" or ".zip")
            {
                data.Add(file);
            }
        }

        return data;
    }

    [Fact]
    public void All_NamesEveryShapeWithAReason()
    {
        Assert.Equal(Reasons.Keys.Order(), ZipShapes.All.Select(s => s.Name).Order());
        Assert.All(ZipShapes.All, s => Assert.False(s.Clean));
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_ZipShape_RefusedForItsStructureCheaply(string name, int size)
    {
        var bytes = ZipShapes.All.Single(s => s.Name == name).Make(size);
        var budget = WorkBudget.ForFile(bytes.Length);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None, budget);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.True(bytes.Length <= size + 4096, $"{name}: {bytes.Length} bytes for a target of {size}");
        Assert.Contains(Reasons[name], detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit / 8, $"{name} at {size}: spent {budget.Spent} of {budget.Limit}");
        Assert.True(allocated < (4L * bytes.Length) + (16 << 20), $"{name} at {size}: allocated {allocated} bytes");
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_ZipShapeWithEveryCategoryAllowed_StillRefused(string name, int size)
    {
        var bytes = ZipShapes.All.Single(s => s.Name == name).Make(size);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, (ActiveContentKinds)~0);

        Assert.Contains(Reasons[name], detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OfficeFiles))]
    public async Task SniffAsync_OrdinaryOfficeFile_SpendsLittleOfItsBudget(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var budget = WorkBudget.ForFile(bytes.Length);

        await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None, budget);

        Assert.True(budget.Spent < budget.Limit / 16, $"{Path.GetFileName(path)}: spent {budget.Spent} of {budget.Limit}");
    }

    [Fact]
    public void Evaluate_PartsArrivingOverManyRounds_EachInflatedOnce()
    {
        // The story first, then parts each more than a range apart: every one needs a round of its own.
        var story = Story(Text(1536 * 1024));
        var bytes = Docx(
            ("word/document.xml", story),
            ("word/media/image1.bin", Noise(1200 * 1024)),
            ("word/header1.xml", Story(Text(4096))),
            ("word/media/image2.bin", Noise(1200 * 1024)),
            ("word/footer1.xml", Story(Text(4096))),
            ("word/media/image3.bin", Noise(1200 * 1024)),
            ("word/_rels/document.xml.rels", References("header1.xml", "footer1.xml", "media/image1.bin", "media/image2.bin", "media/image3.bin")));

        var (rounds, spentOverRounds, allocatedOverRounds, outcome) = EvaluateOverRounds(bytes);
        var whole = new SniffInput(bytes.Length);
        whole.Add(0, bytes);
        var allocatedAtOnce = GC.GetAllocatedBytesForCurrentThread();
        var once = ContentSniffer.Evaluate(whole);
        allocatedAtOnce = GC.GetAllocatedBytesForCurrentThread() - allocatedAtOnce;

        Assert.Equal(new SniffOutcome.Detected(MediaTypes.Docx, null), outcome);
        Assert.Equal(outcome, once);
        Assert.True(rounds >= 5, $"{rounds} rounds");

        // Inflating the story alone costs more than the difference: over the rounds it was inflated once.
        var storyCost = (long)story.Length * WorkCost.DecodedByte;
        Assert.True(spentOverRounds - whole.Budget.Spent < storyCost / 2, $"over {rounds} rounds {spentOverRounds}, at once {whole.Budget.Spent}, the story {storyCost}");
        Assert.True(allocatedOverRounds - allocatedAtOnce < story.Length / 2, $"over {rounds} rounds {allocatedOverRounds} bytes allocated, at once {allocatedAtOnce}, the story {story.Length}");
    }

    [Fact]
    public async Task SniffAsync_LocalHeaderNamesAnotherPart_Refused()
    {
        var bytes = ActiveCorpus.Read("docx-clean.docx");
        var local = LocalHeader(bytes, "word/document.xml");
        bytes[local + 30] = (byte)'W';

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.Contains("the local header of word/document.xml names it 'Word/document.xml' (the central directory and the local headers describe different archives)", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_TwoEntriesShareALocalHeader_Refused()
    {
        var bytes = ActiveCorpus.Read("docx-clean.docx");
        var record = CentralRecord(bytes, "word/document.xml");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 42), (uint)LocalHeader(bytes, "_rels/.rels"));

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Equal(MediaTypes.Zip, detected.MediaType);
        Assert.Contains("point at the same local header", detected.Refusal, StringComparison.Ordinal);
        Assert.Contains("'word/document.xml'", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_EntryRunsIntoTheNext_Refused()
    {
        var bytes = ActiveCorpus.Read("docx-clean.docx");
        var record = CentralRecord(bytes, "[Content_Types].xml");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 20), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record + 20)) + 64);

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains("its entries '[Content_Types].xml' and", detected.Refusal, StringComparison.Ordinal);
        Assert.Contains("overlap", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "inflates to fewer bytes than its central directory entry declares")]
    [InlineData(-1, "inflates to more bytes than its central directory entry declares")]
    public async Task SniffAsync_InflatedSizeOtherThanDeclared_Refused(int change, string reason)
    {
        var bytes = ActiveCorpus.Read("docx-clean.docx");
        var record = CentralRecord(bytes, "word/document.xml");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 24), (uint)(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record + 24)) + change));

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains($"its word/document.xml {reason}", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100, null)]
    [InlineData(200, "its text, relationship and embedded parts would inflate to")]
    public async Task SniffAsync_PartsInflatingPastTheFilesAllowance_RefusedBeforeInflating(int headers, string? reason)
    {
        // Each part 60 KiB of ordinary text (under the ratio floor), together more than a file of this size may inflate.
        var part = Story(Text(60 * 1024, 'x'));
        var bytes = Docx([.. Enumerable.Range(1, headers).Select(i => ($"word/header{i}.xml", part)), ("word/_rels/document.xml.rels", References([.. Enumerable.Range(1, headers).Select(i => $"header{i}.xml")]))]);
        var budget = WorkBudget.ForFile(bytes.Length);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None, budget);

        Assert.Equal(reason is null, detected.Refusal is null);
        if (reason is not null)
        {
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
            Assert.True(budget.Spent < budget.Limit / 64, $"spent {budget.Spent} of {budget.Limit}: refused before inflating");
        }
    }

    [Fact]
    public async Task SniffAsync_EmbeddedPackagesTogetherPastTheAllowance_RefusedThoughEachFits()
    {
        // Each embedded document inflates 3.5 MiB, well within a file's allowance alone; three of them are not.
        var part = Story(Text(60 * 1024, 'x'));
        var inner = Docx([.. Enumerable.Range(1, 60).Select(i => ($"word/header{i}.xml", part))]);
        var bytes = Docx([.. Enumerable.Range(1, 3).Select(i => ($"word/embeddings/Microsoft_Word_Document{i}.docx", inner))]);

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains("would inflate to", detected.Refusal, StringComparison.Ordinal);
        Assert.Contains("(with what the document around it inflated)", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, null)]
    [InlineData(65, "Microsoft_Word_Document65.docx is an embedded document beyond the first 64 (no more are opened)")]
    public async Task SniffAsync_ManyEmbeddedPackages_AtMost64Opened(int count, string? reason)
    {
        var inner = Docx(("word/document.xml", Story(Text(1024))));
        var bytes = Docx([
            .. Enumerable.Range(1, count).Select(i => ($"word/embeddings/Microsoft_Word_Document{i}.docx", inner)),
            ("word/_rels/document.xml.rels", References([.. Enumerable.Range(1, count).Select(i => $"embeddings/Microsoft_Word_Document{i}.docx")])),
        ]);

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.Equal(reason is null, detected.Refusal is null);
        if (reason is not null)
        {
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(64, null)]
    [InlineData(65, "word/document.xml nests fields more than 64 deep")]
    public async Task SniffAsync_FieldsNested_AtMost64Open(int depth, string? reason)
    {
        var begin = string.Concat(Enumerable.Repeat("<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>", depth));
        var end = string.Concat(Enumerable.Repeat("<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>", depth));
        var bytes = Docx(("word/document.xml", Story($"<w:p>{begin}{end}</w:p>")));

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Equal(reason is null, detected.Refusal is null);
        if (reason is not null)
        {
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SniffAsync_ContentTypesFarLongerThanTheArchive_Refused()
    {
        var defaults = string.Concat(Enumerable.Range(0, 200).Select(i => $"<Default Extension=\"e{i}\" ContentType=\"application/x-{i}\"/>"));
        var bytes = Docx([("word/document.xml", Story(Text(1024)))], defaults);

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains("its [Content_Types].xml declares more content types than its 3 entries could use", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_ThousandsOfEmbeddedFiles_EachFoundOnceLinearly()
    {
        // One finding per embedded file, each reason distinct: kept in a set beside the list (not looked up in it).
        var bytes = Docx([.. Enumerable.Range(0, 12_000).Select(i => ($"word/embeddings/f{i}.bin", new[] { (byte)'x' }))]);
        var budget = WorkBudget.ForFile(bytes.Length);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None, budget);

        Assert.Contains("DOCX embeds a file that is neither an Office document nor an OLE object (word/embeddings/f0.bin)", detected.Refusal, StringComparison.Ordinal);
        Assert.Equal(12_000, detected.ActiveContent.Count);
        Assert.True(budget.Spent < budget.Limit / 2, $"spent {budget.Spent} of {budget.Limit}");
    }

    /// <summary>Evaluations answered with exactly the range asked for each time: the rounds, the units spent and the bytes allocated in all.</summary>
    private static (int Rounds, long Spent, long Allocated, SniffOutcome Outcome) EvaluateOverRounds(byte[] bytes)
    {
        var input = new SniffInput(bytes.Length);
        var rounds = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        SniffOutcome outcome;
        while ((outcome = ContentSniffer.Evaluate(input)) is SniffOutcome.NeedBytes need)
        {
            rounds++;
            input.Add(need.Range.Offset, bytes.AsMemory((int)need.Range.Offset, need.Range.Length));
        }

        return (rounds, input.Budget.Spent, GC.GetAllocatedBytesForCurrentThread() - allocated, outcome);
    }

    private static Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> Source(byte[] bytes) =>
        (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));

    /// <summary>A DOCX (written by <see cref="ZipArchive"/>, honest) of <paramref name="parts"/>, in order, after its content types and package relationships.</summary>
    private static byte[] Docx(params (string Name, byte[] Content)[] parts) => Docx(parts, string.Empty);

    private static byte[] Docx((string Name, byte[] Content)[] parts, string extraTypes)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add("[Content_Types].xml", Encoding.UTF8.GetBytes(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + extraTypes
                + $"<Override PartName=\"/word/document.xml\" ContentType=\"{WordMain}\"/></Types>"));
            Add("_rels/.rels", Rels());
            if (!parts.Any(p => p.Name == "word/document.xml"))
            {
                Add("word/document.xml", Story(Text(256)));
            }

            foreach (var (name, content) in parts)
            {
                Add(name, content);
            }

            void Add(string name, byte[] content)
            {
                using var entry = archive.CreateEntry(name, name.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".docx", StringComparison.Ordinal) ? CompressionLevel.NoCompression : CompressionLevel.Optimal).Open();
                entry.Write(content);
            }
        }

        return stream.ToArray();
    }

    private static byte[] Rels() => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>");

    /// <summary>The main part's relationships, one to each of <paramref name="targets"/> (relative to word/): a part nothing refers to is refused.</summary>
    private static byte[] References(params string[] targets) => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + string.Concat(targets.Select((t, i) => $"<Relationship Id=\"rId{i + 1}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/package\" Target=\"{t}\"/>"))
        + "</Relationships>");

    private static byte[] Story(string body) => Encoding.UTF8.GetBytes(
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>");

    /// <summary>About <paramref name="length"/> bytes of paragraphs: words (compressing like prose), or one letter repeated.</summary>
    private static string Text(int length, char? letter = null)
    {
        var words = "the report shows that revenue grew in every region while costs fell and the board approved a dividend".Split(' ');
        var random = new Random(length);
        var text = new StringBuilder(length + 1024);
        while (text.Length < length)
        {
            text.Append("<w:p><w:r><w:t xml:space=\"preserve\">");
            for (var i = 0; i < 40; i++)
            {
                text.Append(letter is { } c ? new string(c, 24) : words[random.Next(words.Length)]).Append(' ');
            }

            text.Append("</w:t></w:r></w:p>");
        }

        return text.ToString();
    }

    private static byte[] Noise(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The offset of the central directory record named <paramref name="name"/>.</summary>
    private static int CentralRecord(byte[] zip, string name)
    {
        var wanted = Encoding.UTF8.GetBytes(name);
        for (var at = zip.Length - 22; at >= 0; at--)
        {
            if (zip.AsSpan(at).StartsWith("PK\x01\x02"u8)
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28)) == wanted.Length
                && zip.AsSpan(at + 46, wanted.Length).SequenceEqual(wanted))
            {
                return at;
            }
        }

        throw new InvalidOperationException($"{name} not found");
    }

    /// <summary>The offset of the local header of the entry named <paramref name="name"/>.</summary>
    private static int LocalHeader(byte[] zip, string name) => (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(CentralRecord(zip, name) + 42));
}
