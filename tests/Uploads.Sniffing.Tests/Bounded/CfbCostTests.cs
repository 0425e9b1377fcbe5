using System.Buffers.Binary;
using Uploads.Adversarial;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// Compound files (.doc) whose directory is not a tree or whose sector chains loop (<see cref="CfbShapes"/>): refused for
/// their structure, at a cost linear in the directory, at every size.
/// </summary>
public sealed class CfbCostTests
{
    public static TheoryData<string, int> ShapesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in CfbShapes.All)
        {
            foreach (var size in new[] { 4 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024 })
            {
                data.Add(shape.Name, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_CfbShape_RefusedForItsStructureCheaply(string name, int size)
    {
        var bytes = CfbShapes.All.Single(s => s.Name == name).Make(size);
        var budget = WorkBudget.ForFile(bytes.Length);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.None, budget);

        Assert.True(bytes.Length <= size + 4096, $"{name}: {bytes.Length} bytes for a target of {size}");
        Assert.Equal(MediaTypes.Ole2, detected.MediaType);
        Assert.StartsWith("The compound file (.doc, .xls, .ppt) is damaged or crafted: its directory", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit / 16, $"{name} at {size}: spent {budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_CfbShapeWithEveryCategoryAllowed_StillRefused(string name, int size)
    {
        var bytes = CfbShapes.All.Single(s => s.Name == name).Make(size);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, (ActiveContentKinds)~0);

        Assert.Contains("damaged or crafted", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_SharedChildren_NamesTheEntryReachedTwice()
    {
        var bytes = CfbShapes.SharedChildren(64 * 1024);

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length);

        Assert.Contains("is reached twice (entries that share children or siblings, or a cycle)", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_DirectoryChainLongerThanTheBound_Refused()
    {
        // A valid root and empty slots, but one directory sector more than the bound allows.
        var directorySectors = (Ole2Bound / 4) + 1;
        var file = new SparseCompoundFile(directorySectors);

        var detected = await ContentSniffer.SniffAsync(file.Read, file.Length);

        Assert.Contains($"its directory has more than {Ole2Bound} entries", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_DirectoryChainWithinTheBound_Accepted()
    {
        var file = new SparseCompoundFile(Ole2Bound / 4);

        var detected = await ContentSniffer.SniffAsync(file.Read, file.Length);

        Assert.Equal(MediaTypes.Ole2, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_LinkPastTheEndOfTheDirectory_Refused()
    {
        var file = new SparseCompoundFile(1) { RootChild = 40 };

        var detected = await ContentSniffer.SniffAsync(file.Read, file.Length);

        Assert.Contains("its directory entry 0 links to entry 40, past the end of the directory (4 entries)", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_DifatCycle_Refused()
    {
        // The directory sits where only the DIFAT's second sector names its FAT sector, and the DIFAT's first sector links to itself.
        var perFat = 512 / 4;
        var file = new SparseCompoundFile(1) { DirectoryStart = (uint)((109 + 127 + 1) * perFat), DifatCycle = true };

        var detected = await ContentSniffer.SniffAsync(file.Read, file.Length);

        Assert.Contains("its DIFAT's chain of sectors comes back to sector", detected.Refusal, StringComparison.Ordinal);
    }

    private static int Ole2Bound => Uploads.Sniffing.Formats.Ole2.MaxDirectoryEntries;

    private static Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> Source(byte[] bytes) =>
        (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));

    /// <summary>
    /// A version 3 compound file made on demand, range by range (so that sectors far into a large file cost nothing):
    /// the FAT sectors first, then a chain of empty directory sectors whose first entry is the root.
    /// </summary>
    private sealed class SparseCompoundFile(int directorySectors)
    {
        private const int SectorSize = 512;
        private const int PerFat = SectorSize / 4;
        private const uint DifatSector = 1;

        /// <summary>The first directory sector; by default right after the FAT sectors.</summary>
        public uint? DirectoryStart { get; init; }

        /// <summary>The root's child (none by default).</summary>
        public uint RootChild { get; init; } = 0xFFFFFFFF;

        /// <summary>A DIFAT chain whose first sector (sector 1) links to itself.</summary>
        public bool DifatCycle { get; init; }

        private uint Start => DirectoryStart ?? (uint)FatSectors;

        private int FatSectors => (directorySectors / PerFat) + 1;

        public long Length => (Start + directorySectors + 1L) * SectorSize;

        public ValueTask<ReadOnlyMemory<byte>> Read(ByteRange range, CancellationToken cancellationToken)
        {
            var bytes = new byte[range.Length];
            for (var at = range.Offset; at < range.End;)
            {
                var index = at / SectorSize;
                var within = (int)(at % SectorSize);
                var count = (int)Math.Min(SectorSize - within, range.End - at);
                var sector = index == 0 ? Header() : Sector(index - 1);
                sector.AsSpan(within, count).CopyTo(bytes.AsSpan((int)(at - range.Offset)));
                at += count;
            }

            return ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes);
        }

        private byte[] Header()
        {
            var header = new byte[SectorSize];
            new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(header, 0);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x18), 0x3E);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1A), 3);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1C), 0xFFFE);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1E), 9);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x2C), (uint)FatSectors);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x30), Start);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x38), 4096);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x44), DifatCycle ? DifatSector : 0xFFFFFFFE);
            for (var i = 0; i < 109; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x4C + (i * 4)), i < FatSectors && !DifatCycle ? (uint)i : 0xFFFFFFFF);
            }

            return header;
        }

        private byte[] Sector(long sector)
        {
            var bytes = new byte[SectorSize];
            if (DifatCycle && sector == DifatSector)
            {
                // Every FAT sector number 0 (sector 0 holds the chain), the link to the next DIFAT sector: itself.
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(SectorSize - 4), DifatSector);
            }
            else if (!DifatCycle && sector < FatSectors)
            {
                for (var i = 0; i < PerFat; i++)
                {
                    var of = (sector * PerFat) + i;
                    var next = of < FatSectors ? 0xFFFFFFFD : of >= Start && of < Start + directorySectors - 1 ? (uint)(of + 1) : 0xFFFFFFFE;
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), next);
                }
            }
            else if (sector >= Start && sector < Start + directorySectors)
            {
                for (var entry = 0; entry < 4; entry++)
                {
                    var raw = bytes.AsSpan(entry * 128, 128);
                    raw[0x44..0x50].Fill(0xFF);
                    if (sector == Start && entry == 0)
                    {
                        "R\0o\0o\0t\0"u8.CopyTo(raw);
                        BinaryPrimitives.WriteUInt16LittleEndian(raw[0x40..], 10);
                        raw[0x42] = 5;
                        BinaryPrimitives.WriteUInt32LittleEndian(raw[0x4C..], RootChild);
                    }
                }
            }

            return bytes;
        }
    }
}
