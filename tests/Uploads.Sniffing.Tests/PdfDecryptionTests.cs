using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Uploads.Sniffing.ActiveContent.Pdf;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// Decryption of PDFs that open without a password (<see cref="PdfSecurityHandler"/>, <see cref="PdfDecryption"/>):
/// RC4 and the file keys against known values (qpdf's <c>--show-encryption-key</c> for the files of
/// tests/fixtures/producers/make-pdf-encryption.sh), per-object keys through real streams, AES padding, the refusals
/// that keep <see cref="ActiveContentKinds.PdfEncrypted"/>'s meaning, the budget; and the <c>/URI</c> rule.
/// </summary>
public sealed class PdfDecryptionTests
{
    [Theory]
    [InlineData("Key", "Plaintext", "BBF316E8D940AF0AD3")]
    [InlineData("Wiki", "pedia", "1021BF0420")]
    [InlineData("Secret", "Attack at dawn", "45A01F645FC35B383552544B9BF5")]
    public void Rc4Transform_KnownVector_Encrypts(string key, string plaintext, string expected)
    {
        var data = Encoding.ASCII.GetBytes(plaintext);

        Rc4.Transform(Encoding.ASCII.GetBytes(key), data);

        Assert.Equal(expected, Convert.ToHexString(data));
    }

    /// <summary>
    /// The keys qpdf 11.3 shows (<c>qpdf --show-encryption-key</c>) for the files it wrote: those of RC4 and AES-128 are
    /// the same on each run of make-pdf-encryption.sh; AES-256 keys are drawn at random, so revisions 5 and 6 are pinned
    /// by what they decrypt to (<see cref="Decrypt_ContentStreamOfQpdfFile_InflatesToTheOriginal"/>).
    /// </summary>
    [Theory]
    [InlineData("pdf-encryption-clean-rc4-40.pdf", 2, "80c57f4f7f")]
    [InlineData("pdf-encryption-clean-rc4-128.pdf", 3, "424c0aa5888128e1ae3f692fb40d8781")]
    [InlineData("pdf-encryption-clean-aes-128.pdf", 4, "424c0aa5888128e1ae3f692fb40d8781")]
    [InlineData("pdf-encryption-ghostscript-cleartext-metadata.pdf", 4, "20cc1098e0ae8582674e8afdc5a8ee3b")]
    public void Open_OwnerPasswordOnlyFile_FileKeyIsQpdfs(string file, int revision, string key)
    {
        var handler = Open(Producers(file), WorkBudget.ForFile(1024), out var refusal);

        Assert.Null(refusal);
        Assert.NotNull(handler);
        Assert.Equal(revision, handler.Revision);
        Assert.Equal(key, Convert.ToHexString(handler.Key), ignoreCase: true);
    }

    [Fact]
    public void Open_CleartextMetadata_LeavesMetadataStreamsAsTheyAre()
    {
        var handler = Open(Producers("pdf-encryption-ghostscript-cleartext-metadata.pdf"), WorkBudget.ForFile(1024), out _)!;
        var metadata = Dictionary("<< /Type /Metadata /Subtype /XML /Length 10 >>");

        Assert.False(handler.EncryptMetadata);
        Assert.Equal(PdfSecurityHandler.Cipher.Identity, handler.StreamCipher(metadata, cryptFilter: null));
        Assert.Equal(PdfSecurityHandler.Cipher.Aes128, handler.StreamCipher(Dictionary("<< /Length 10 >>"), cryptFilter: null));
        Assert.Equal(PdfSecurityHandler.Cipher.Identity, handler.StreamCipher(Dictionary("<< /Type /XRef >>"), cryptFilter: null));
    }

    /// <summary>Object 4, the page's content stream, decrypted with its per-object key (or the file key for AES-256), inflates to the clean base's.</summary>
    [Theory]
    [InlineData("pdf-encryption-clean-rc4-40.pdf", "Rc4", 2)]
    [InlineData("pdf-encryption-clean-rc4-128.pdf", "Rc4", 3)]
    [InlineData("pdf-encryption-clean-aes-128.pdf", "Aes128", 4)]
    [InlineData("pdf-encryption-clean-aes-256-r5.pdf", "Aes256", 5)]
    [InlineData("pdf-encryption-clean-aes-256.pdf", "Aes256", 6)]
    public void Decrypt_ContentStreamOfQpdfFile_InflatesToTheOriginal(string file, string cipherName, int revision)
    {
        var cipher = Enum.Parse<PdfSecurityHandler.Cipher>(cipherName);
        var bytes = Producers(file);
        var handler = Open(bytes, WorkBudget.ForFile(1024), out _)!;
        Assert.Equal(revision, handler.Revision);

        var plain = handler.Decrypt(StreamData(bytes, 4), 4, 0, handler.StreamCipher(Dictionary("<< /Length 80 >>"), null));

        Assert.Equal(cipher, handler.Streams);
        Assert.Equal(Inflate(StreamData(ActiveCorpus.Read("pdf-clean-base.pdf"), 4)), Inflate(plain));
    }

    [Fact]
    public void Decrypt_Aes_PaddingRemovedWhenWellFormedKeptWhenNot()
    {
        var handler = Open(Producers("pdf-encryption-clean-aes-256.pdf"), WorkBudget.ForFile(1024), out _)!;
        using var aes = Aes.Create();
        aes.Key = handler.Key.ToArray();
        var iv = new byte[16];
        var padded = aes.EncryptCbc("twelve bytes"u8, iv, PaddingMode.PKCS7);
        var badPadding = aes.EncryptCbc("sixteen bytes..\u0005"u8, iv, PaddingMode.None);

        Assert.Equal("twelve bytes", Encoding.ASCII.GetString(handler.Decrypt([.. iv, .. padded], 1, 0, PdfSecurityHandler.Cipher.Aes256)));
        Assert.Equal("sixteen bytes..\u0005", Encoding.ASCII.GetString(handler.Decrypt([.. iv, .. badPadding], 1, 0, PdfSecurityHandler.Cipher.Aes256)));
        Assert.Equal("twelve bytes", Encoding.ASCII.GetString(handler.Decrypt([.. iv, .. padded, 1, 2, 3], 1, 0, PdfSecurityHandler.Cipher.Aes256)));
        Assert.Empty(handler.Decrypt(iv, 1, 0, PdfSecurityHandler.Cipher.Aes256));
        Assert.Empty(handler.Decrypt([1, 2, 3], 1, 0, PdfSecurityHandler.Cipher.Aes256));
    }

    [Fact]
    public void Open_Revision6_ChargesAtLeast64RoundsAndDecryptedBytes()
    {
        var budget = WorkBudget.ForFile(1024);

        var handler = Open(Producers("pdf-encryption-clean-aes-256.pdf"), budget, out _)!;
        var opened = budget.Spent;
        handler.Decrypt(new byte[16 + 4096], 1, 0, PdfSecurityHandler.Cipher.Aes256);

        // Two Algorithm 2.B hashes of at least 64 rounds, each over 64 copies of a 32-byte K.
        Assert.True(opened > 2 * 64 * 64 * 32, $"{opened}");
        Assert.True(budget.Spent - opened >= 4096L * WorkCost.DecodedByte, $"{budget.Spent - opened}");
    }

    [Fact]
    public void Open_Revision3_ChargesItsMd5RoundsAndRc4Passes()
    {
        var budget = WorkBudget.ForFile(1024);

        Open(Producers("pdf-encryption-clean-rc4-128.pdf"), budget, out _);

        Assert.True(budget.Spent > (50 + 20) * 32, $"{budget.Spent}");
    }

    [Theory]
    [InlineData("pdf-encryption-user-password-aes-256.pdf")]
    [InlineData("pdf-encryption-user-password-rc4-128.pdf")]
    public async Task SniffAsync_UserPassword_RefusedAsEncryptedUnlessAllowed(string file)
    {
        var bytes = Producers(file);

        var refused = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None);
        var allowed = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.PdfEncrypted);

        Assert.StartsWith("PDF is encrypted with a password needed to open it, so its scripts and attachments cannot be checked; remove the password", refused.Refusal, StringComparison.Ordinal);
        Assert.Contains(refused.ActiveContent, f => f.Kind == ActiveContentKinds.PdfEncrypted);
        Assert.Null(allowed.Refusal);
        Assert.Equal(MediaTypes.Pdf, allowed.MediaType);
    }

    [Theory]
    [InlineData("<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 >>", "PDF is encrypted with the security handler /Adobe.PubSec /SubFilter /adbe.pkcs7.s5")]
    [InlineData("<< /Filter /Standard /V 2 /R 3 /Length 128 /O (short) /U (short) /P -4 >>", "PDF is encrypted, but its encryption dictionary is malformed (/O)")]
    [InlineData("<< /Filter /Standard /V 3 /R 3 /P -4 >>", "encryption algorithm the checker does not read (/V 3 /R 3)")]
    [InlineData("<< /Filter /Standard /V 4 /R 4 /StmF /Nope /O <0000000000000000000000000000000000000000000000000000000000000000> /U <0000000000000000000000000000000000000000000000000000000000000000> /P -4 >>", "malformed (/StmF names no crypt filter of /CF)")]
    [InlineData("<< /Filter /Standard /V 4 /R 4 /CF << /StdCF << /CFM /Weird >> >> /StmF /StdCF /O <0000000000000000000000000000000000000000000000000000000000000000> /U <0000000000000000000000000000000000000000000000000000000000000000> /P -4 >>", "crypt filter the checker does not read (/CFM /Weird)")]
    [InlineData("<< /Filter /Standard /V 2 /R 3 /Length 127 /O <0000000000000000000000000000000000000000000000000000000000000000> /U <0000000000000000000000000000000000000000000000000000000000000000> /P -4 >>", "malformed (/Length is not a key length from 40 to 128 bits)")]
    [InlineData("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <0000000000000000000000000000000000000000000000000000000000000000> /U <0000000000000000000000000000000000000000000000000000000000000000> /P -4 >>", "PDF is encrypted with a password needed to open it")]
    [InlineData("<< /V 2 /R 3 >>", "malformed (/Encrypt 9 0 R names no encryption dictionary)")]
    public async Task SniffAsync_EncryptionItCannotOpen_RefusedAsEncrypted(string dictionary, string reason)
    {
        var bytes = Pdf($"9 0 obj\n{dictionary}\nendobj\n", "/Encrypt 9 0 R /ID [<00112233445566778899aabbccddeeff><00>]");

        var detected = await Corpus.SniffAsync(bytes);
        var streamed = ActiveContentTests.Streamed(bytes, 7, ActiveContentKinds.None);

        Assert.True(detected.Refusal?.Contains(reason, StringComparison.Ordinal), detected.Refusal);
        Assert.Contains(detected.ActiveContent, f => f.Kind == ActiveContentKinds.PdfEncrypted);
        Assert.Equal(detected.Refusal, streamed.Refusal);
    }

    [Theory]
    [InlineData("/Encrypt 8 0 R", "/Encrypt 8 0 R names no encryption dictionary")]
    [InlineData("/Encrypt << /Filter /Standard /V 2 /R 3 /P -4 >>", "/O")]
    [InlineData("/Encrypt << /V 2 /R 3 >>", "no /Filter names its security handler")]
    public async Task SniffAsync_EncryptNamesNothing_RefusedAsMalformed(string entry, string reason)
    {
        var detected = await Corpus.SniffAsync(Pdf("", entry));

        Assert.Contains($"PDF is encrypted, but its encryption dictionary is malformed ({reason})", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_TwoTrailersNameDifferentEncryption_RefusedAsMalformed()
    {
        var bytes = Producers("pdf-encryption-clean-aes-256.pdf");
        var update = "\ntrailer\n<< /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF\n"u8.ToArray();

        var detected = await Corpus.SniffAsync([.. bytes, .. update]);

        Assert.True(detected.Refusal?.Contains("its trailers name different encryption dictionaries or file identifiers", StringComparison.Ordinal), detected.Refusal);
    }

    /// <summary>An encrypted object stream read before the key could be read as it is too (an attacker can make it inflate): the decrypted content decides.</summary>
    [Theory]
    [InlineData("pdf-encryption-js-objstm-aes-256.pdf")]
    [InlineData("pdf-encryption-js-objstm-rc4-128.pdf")]
    public async Task SniffAsync_EncryptedObjectStreamBeforeKey_DecryptedAtTheEnd(string file)
    {
        var bytes = Producers(file);

        var detected = await Corpus.SniffAsync(bytes);
        var streamed = ActiveContentTests.Streamed(bytes, 1, ActiveContentKinds.None);

        Assert.Contains("PDF runs JavaScript when it is opened (/OpenAction)", detected.Refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(detected.ActiveContent, f => f.Kind == ActiveContentKinds.PdfEncrypted);
        Assert.Equal(detected.Refusal, streamed.Refusal);
    }

    /// <summary>Some writers give <c>/P</c> as the unsigned 32-bit value: its low 32 bits are what the key derivation hashes.</summary>
    [Fact]
    public async Task SniffAsync_PermissionsWrittenUnsigned_DecryptedAsSigned()
    {
        var bytes = Producers("pdf-encryption-js-openaction-rc4-128.pdf");
        var text = Encoding.Latin1.GetString(bytes);
        Assert.Contains("/P -4 ", text, StringComparison.Ordinal);

        var detected = await Corpus.SniffAsync(Encoding.Latin1.GetBytes(text.Replace("/P -4 ", "/P 4294967292 ", StringComparison.Ordinal)));

        Assert.Contains("PDF runs JavaScript when it is opened (/OpenAction)", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com", null)]
    [InlineData("HTTP://example.com", null)]
    [InlineData("mailto:a@example.com", null)]
    [InlineData(" \t\u0001https://example.com ", null)]
    [InlineData("javascript:app.alert(1)", ActiveContentKinds.PdfJavaScript)]
    [InlineData("\u0000 JaVaScRiPt:x", ActiveContentKinds.PdfJavaScript)]
    [InlineData("java\nscr\tipt:x", ActiveContentKinds.PdfJavaScript)]
    [InlineData("vbscript:x", ActiveContentKinds.PdfJavaScript)]
    [InlineData("data:text/html,<script>", ActiveContentKinds.PdfExternalActions)]
    [InlineData("file:///etc/passwd", ActiveContentKinds.PdfExternalActions)]
    [InlineData("C:\\Windows\\calc.exe", ActiveContentKinds.PdfExternalActions)]
    [InlineData("\\\\host\\share\\x", ActiveContentKinds.PdfExternalActions)]
    [InlineData("//host/share", ActiveContentKinds.PdfExternalActions)]
    [InlineData("payload.exe", ActiveContentKinds.PdfExternalActions)]
    [InlineData("", ActiveContentKinds.PdfExternalActions)]
    public void Check_Address_AllowsOnlyWebAndMail(string uri, ActiveContentKinds? expected)
    {
        Assert.Equal(expected, PdfUriActions.Check(Encoding.Latin1.GetBytes(uri))?.Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0xFE, 0xFF, 0, (byte)'j', 0, (byte)'s', 0, (byte)':' }, "js:")]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'j', 0, (byte)'s', 0 }, "js")]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'j' }, "j")]
    [InlineData(new byte[] { 0xFE, 0xFF, 0, (byte)'j', 0 }, "j")]
    public void Decode_ByteOrderMark_ReadsTheEncoding(byte[] bytes, string expected)
    {
        Assert.Equal(expected, PdfUriActions.Decode(bytes));
    }

    [Theory]
    [InlineData("<< /URI (a\\101\\(b\\)\\\\c\\\nd\re) >>", "aA(b)\\cd\ne")]
    [InlineData("<< /URI <6a 61 7>  >>", "ja\u0070")]
    [InlineData("<< /ID [(x) <79>] >>", "x")]
    public void ParseValue_KeptString_DecodedAsWritten(string text, string expected)
    {
        var value = Dictionary(text);
        var kept = value.Get("URI") ?? value.Get("ID")!.Items![0];

        Assert.Equal(PdfKind.String, kept.Kind);
        Assert.Equal(expected, Encoding.Latin1.GetString(kept.Bytes!));
    }

    [Fact]
    public void ParseValue_StringOfAnotherKey_NotKept()
    {
        Assert.Equal(PdfKind.Other, Dictionary("<< /JS (app.alert\\(1\\)) >>").Get("JS")!.Kind);
    }

    private static byte[] Producers(string file) => FixtureSet.Get(FixtureSet.Producers, file).Read();

    private static Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> Source(byte[] bytes) =>
        (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));

    private static PdfValue Dictionary(string text) => new PdfParser(Encoding.Latin1.GetBytes(text), 0, WorkBudget.ForFile(text.Length)).ParseValue()!;

    /// <summary>The handler of a file whose encryption dictionary is an object of its own with <c>/Filter /Standard</c>, and its trailer's /ID.</summary>
    private static PdfSecurityHandler? Open(byte[] file, WorkBudget budget, out string? refusal)
    {
        var span = file.AsSpan();
        var filter = span.IndexOf("/Filter /Standard"u8);
        var start = span[..filter].LastIndexOf("obj"u8) + 3;
        var encrypt = new PdfParser(span, start, budget).ParseValue()!;
        var id = span.LastIndexOf("/ID"u8);
        var trailer = new PdfParser(span, span[..id].LastIndexOf("<<"u8), budget).ParseValue()!;
        var first = trailer.Get("ID")?.Items?[0].Bytes ?? [];
        return PdfSecurityHandler.Open(encrypt, first, budget, out refusal);
    }

    private static byte[] StreamData(byte[] file, int number)
    {
        var span = file.AsSpan();
        var header = span.IndexOf(Encoding.ASCII.GetBytes($"\n{number} 0 obj"));
        var dictionary = new PdfParser(span, header + 8, WorkBudget.ForFile(file.Length)).ParseValue()!;
        var start = header + span[header..].IndexOf("stream\n"u8) + 7;
        return span.Slice(start, (int)dictionary.Get("Length")!.Number).ToArray();
    }

    private static byte[] Inflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var inflater = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress))
        {
            inflater.CopyTo(output);
        }

        return output.ToArray();
    }

    private static byte[] Pdf(string objects, string trailer) => Encoding.Latin1.GetBytes(
        "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + objects + $"trailer\n<< /Size 10 /Root 1 0 R {trailer} >>\nstartxref\n0\n%%EOF\n");
}
