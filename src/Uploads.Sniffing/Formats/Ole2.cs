using System.Text;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// OLE2 compound files (.doc, .xls, .ppt, ...): the header, the FAT sectors the directory chain needs and the
/// directory sectors are read (bounded), and the streams at the root decide: <c>WordDocument</c> (with a Word FIB)
/// is a Word document; <c>Workbook</c>/<c>Book</c> is Excel; <c>PowerPoint Document</c> is PowerPoint.
/// </summary>
internal static class Ole2
{
    private const uint MaxRegularSector = 0xFFFFFFFA;
    private const int MaxDirectorySectors = 64;
    private const int MaxDifatSectors = 16;
    private const int HeaderDifatEntries = 109;

    public static SniffOutcome Detect(SniffContext context)
    {
        var head = context.Head.Span;
        if (!TryReadDirectory(context, out var entries, out var file, out var failed))
        {
            return failed ?? SniffContext.Detected(MediaTypes.Ole2);
        }

        var root = RootChildren(entries);
        Entry? word = null;
        foreach (var entry in root)
        {
            if (entry.Type != 2)
            {
                continue;
            }

            if (entry.Name.Equals("Workbook", StringComparison.OrdinalIgnoreCase) || entry.Name.Equals("Book", StringComparison.OrdinalIgnoreCase))
            {
                return SniffContext.Detected(MediaTypes.Excel);
            }

            if (entry.Name.Equals("PowerPoint Document", StringComparison.OrdinalIgnoreCase))
            {
                return SniffContext.Detected(MediaTypes.PowerPoint);
            }

            if (entry.Name.Equals("WordDocument", StringComparison.OrdinalIgnoreCase))
            {
                word = entry;
            }
        }

        if (word is not { } document)
        {
            return SniffContext.Detected(MediaTypes.Ole2);
        }

        // The stream starts with the File Information Block: wIdent 0xA5EC (Word 97+) or 0xA5DC (Word 6/95).
        var cutoff = SniffContext.U32LE(head, 0x38);
        if (document.Size < cutoff)
        {
            // A small WordDocument stream lives in the mini stream: its FIB is not read, the active-content checks still run.
            return ActiveContent.Office.OleScanner.Check(context, entries);
        }

        if (!file.TryReadSector(document.Start, out var fib, out var need))
        {
            return need ?? SniffContext.Detected(MediaTypes.Ole2);
        }

        var ident = SniffContext.U16LE(fib.Span, 0);
        return ident is 0xA5EC or 0xA5DC ? ActiveContent.Office.OleScanner.Check(context, entries) : SniffContext.Detected(MediaTypes.Ole2);
    }

    /// <summary>
    /// The directory of a compound file whose header is at offset 0 of <paramref name="context"/>: every entry, in
    /// directory order (entry 0 is the root). False: <paramref name="failed"/> is the range needed, or null when
    /// the file is no valid compound file.
    /// </summary>
    internal static bool TryReadDirectory(SniffContext context, out List<Entry> entries, out CompoundFile file, out SniffOutcome? failed)
    {
        entries = [];
        file = null!;
        failed = null;
        var head = context.Head.Span;
        if (head.Length < 512)
        {
            return false;
        }

        var major = SniffContext.U16LE(head, 0x1A);
        var shift = SniffContext.U16LE(head, 0x1E);
        if (SniffContext.U16LE(head, 0x1C) != 0xFFFE || !((major == 3 && shift == 9) || (major == 4 && shift == 12)))
        {
            return false;
        }

        file = new CompoundFile(context, head, 1 << shift);
        var sector = SniffContext.U32LE(head, 0x30);
        for (var i = 0; i < MaxDirectorySectors && sector < MaxRegularSector; i++)
        {
            if (!file.TryReadSector(sector, out var bytes, out failed))
            {
                return false;
            }

            for (var at = 0; at + 128 <= bytes.Length; at += 128)
            {
                entries.Add(Entry.Parse(bytes.Span.Slice(at, 128), major));
            }

            if (!file.TryNext(sector, out sector, out failed))
            {
                return false;
            }
        }

        return entries.Count > 0 && entries[0].Type == 5;
    }

    /// <summary>The entries of the root storage.</summary>
    private static List<Entry> RootChildren(List<Entry> entries) => [.. Children(entries, 0).Select(i => entries[i])];

    /// <summary>The indices of the entries in the storage at <paramref name="storage"/> (0: the root): the red-black tree under its child, walked without recursion.</summary>
    internal static List<int> Children(List<Entry> entries, int storage)
    {
        var result = new List<int>();
        var visited = new HashSet<uint>();
        var pending = new Stack<uint>();
        pending.Push(entries[storage].Child);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (id >= entries.Count || !visited.Add(id))
            {
                continue;
            }

            var entry = entries[(int)id];
            result.Add((int)id);
            pending.Push(entry.Left);
            pending.Push(entry.Right);
        }

        return result;
    }

    /// <param name="Class">The CLSID of a storage (the COM class that opens it, for an embedded object), <see cref="Guid.Empty"/> when none.</param>
    internal readonly record struct Entry(string Name, byte Type, uint Left, uint Right, uint Child, Guid Class, uint Start, ulong Size)
    {
        public static Entry Parse(ReadOnlySpan<byte> raw, int major)
        {
            var nameBytes = Math.Clamp(SniffContext.U16LE(raw, 0x40) - 2, 0, 62) & ~1;
            var name = Encoding.Unicode.GetString(raw[..nameBytes]);
            var size = major == 3 ? SniffContext.U32LE(raw, 0x78) : SniffContext.U64LE(raw, 0x78);
            return new Entry(name, raw[0x42], SniffContext.U32LE(raw, 0x44), SniffContext.U32LE(raw, 0x48), SniffContext.U32LE(raw, 0x4C), new Guid(raw.Slice(0x50, 16)), SniffContext.U32LE(raw, 0x74), size);
        }
    }

    /// <summary>Sector reads and FAT lookups over the held bytes, asking for what is missing.</summary>
    internal sealed class CompoundFile(SniffContext context, ReadOnlySpan<byte> header, int sectorSize)
    {
        private readonly uint[] _headerDifat = ReadHeaderDifat(header);
        private readonly uint _firstDifatSector = SniffContext.U32LE(header, 0x44);
        private readonly int _entriesPerSector = sectorSize / 4;

        public bool TryReadSector(uint sector, out ReadOnlyMemory<byte> bytes, out SniffOutcome? missing)
        {
            bytes = default;
            missing = null;
            return sector < MaxRegularSector && context.TryRead(((long)sector + 1) * sectorSize, sectorSize, out bytes, out missing);
        }

        /// <summary>The sector after <paramref name="sector"/> in its chain (from the FAT).</summary>
        public bool TryNext(uint sector, out uint next, out SniffOutcome? missing)
        {
            next = uint.MaxValue;
            missing = null;
            var fatIndex = sector / (uint)_entriesPerSector;
            if (!TryFatSector(fatIndex, out var fatSector, out missing) || !TryReadSector(fatSector, out var fat, out missing))
            {
                return false;
            }

            next = SniffContext.U32LE(fat.Span, (int)(sector % (uint)_entriesPerSector) * 4);
            return true;
        }

        private bool TryFatSector(uint index, out uint fatSector, out SniffOutcome? missing)
        {
            fatSector = uint.MaxValue;
            missing = null;
            if (index < HeaderDifatEntries)
            {
                fatSector = _headerDifat[index];
                return true;
            }

            // Further FAT sector numbers are in the DIFAT chain: (entries per sector - 1) numbers and a next pointer each.
            var remaining = index - HeaderDifatEntries;
            var difat = _firstDifatSector;
            for (var i = 0; i < MaxDifatSectors; i++)
            {
                if (!TryReadSector(difat, out var bytes, out missing))
                {
                    return false;
                }

                var perSector = (uint)_entriesPerSector - 1;
                if (remaining < perSector)
                {
                    fatSector = SniffContext.U32LE(bytes.Span, (int)remaining * 4);
                    return true;
                }

                remaining -= perSector;
                difat = SniffContext.U32LE(bytes.Span, (int)perSector * 4);
            }

            return false;
        }

        private static uint[] ReadHeaderDifat(ReadOnlySpan<byte> header)
        {
            var difat = new uint[HeaderDifatEntries];
            for (var i = 0; i < HeaderDifatEntries; i++)
            {
                difat[i] = SniffContext.U32LE(header, 0x4C + (i * 4));
            }

            return difat;
        }
    }
}
