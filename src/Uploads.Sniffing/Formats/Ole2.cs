using System.Text;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// OLE2 compound files (.doc, .xls, .ppt, ...): the header, the FAT sectors the directory chain needs and the
/// directory sectors are read (bounded), and the streams at the root decide: <c>WordDocument</c> (with a Word FIB)
/// is a Word document; <c>Workbook</c>/<c>Book</c> is Excel; <c>PowerPoint Document</c> is PowerPoint.
/// The directory must be a tree: every chain of sectors is followed once (a sector seen twice is a cycle), the
/// directory has at most <see cref="MaxDirectoryEntries"/> entries, and walking it from the root reaches no entry
/// twice (shared children or siblings, cycles) and no entry past its end; anything else is refused, since a reader
/// that walks such a directory naively does exponential or endless work.
/// </summary>
internal static class Ole2
{
    /// <summary>The most directory entries read (a Word document has a few dozen; one with hundreds of embedded objects a few thousand at most).</summary>
    public const int MaxDirectoryEntries = 2048;

    /// <summary>No entry: an empty link in the directory's trees.</summary>
    private const uint NoStream = 0xFFFFFFFF;

    private const uint MaxRegularSector = 0xFFFFFFFA;
    private const int MaxDifatSectors = 16;
    private const int HeaderDifatEntries = 109;
    private const int EntryBytes = 128;

    public static SniffOutcome Detect(SniffContext context)
    {
        var head = context.Head.Span;
        if (!TryReadDirectory(context, out var entries, out var file, out var failed))
        {
            return failed ?? SniffContext.Detected(MediaTypes.Ole2);
        }

        Entry? word = null;
        foreach (var index in ChildLists(entries)[0] ?? [])
        {
            var entry = entries[index];
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
    /// directory order (entry 0 is the root), each reached from the root marked with its storage
    /// (<see cref="Entry.Parent"/>, <see cref="ChildLists"/>). False: <paramref name="failed"/> is the range needed,
    /// a refusal (a directory that is not a tree, a cycle in a sector chain, too many entries), or null when the
    /// file is no valid compound file.
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

        var sectorSize = 1 << shift;
        file = new CompoundFile(context, head, sectorSize);
        var budget = context.Budget;
        var sector = SniffContext.U32LE(head, 0x30);
        var seen = new HashSet<uint>();
        while (sector < MaxRegularSector)
        {
            budget.Charge(WorkCost.Node);
            if (!seen.Add(sector))
            {
                failed = Refused($"its directory's chain of sectors comes back to sector {sector} (a cycle in the FAT)");
                return false;
            }

            if (entries.Count + (sectorSize / EntryBytes) > MaxDirectoryEntries)
            {
                failed = Refused($"its directory has more than {MaxDirectoryEntries} entries");
                return false;
            }

            if (!file.TryReadSector(sector, out var bytes, out failed))
            {
                return false;
            }

            budget.ChargeBytes(bytes.Length);
            for (var at = 0; at + EntryBytes <= bytes.Length; at += EntryBytes)
            {
                budget.Charge(WorkCost.Node);
                entries.Add(Entry.Parse(bytes.Span.Slice(at, EntryBytes), major));
            }

            if (!file.TryNext(sector, out sector, out failed))
            {
                return false;
            }
        }

        if (entries.Count == 0 || entries[0].Type != 5)
        {
            return false;
        }

        if (Walk(entries, budget) is { } problem)
        {
            failed = Refused(problem);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The children of every storage reached from the root (index: the storage's entry; null: none), each list in
    /// the order of a walk of the storage's red-black tree. Built once, in one pass over the entries marked by
    /// <see cref="TryReadDirectory"/>: every entry is the child of one storage at most.
    /// </summary>
    internal static List<int>?[] ChildLists(List<Entry> entries)
    {
        var byVisit = new int[entries.Count];
        Array.Fill(byVisit, -1);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Visit is var visit and >= 0 && visit < byVisit.Length)
            {
                byVisit[visit] = i;
            }
        }

        var children = new List<int>?[entries.Count];
        foreach (var index in byVisit)
        {
            if (index >= 0 && entries[index].Parent is var parent and >= 0 && parent < children.Length)
            {
                (children[parent] ??= []).Add(index);
            }
        }

        return children;
    }

    /// <summary>
    /// Walks the directory from the root without recursion, marking each entry reached with its storage and the
    /// order it was reached in; null, or why the directory is not a tree (an entry reached twice, a link past the end).
    /// Each entry is visited once: the walk is linear in the directory.
    /// </summary>
    private static string? Walk(List<Entry> entries, WorkBudget budget)
    {
        var visits = 0;
        entries[0] = entries[0] with { Visit = visits++ };
        var pending = new Stack<(uint Id, int Parent, uint From)>();
        pending.Push((entries[0].Child, 0, 0));
        while (pending.Count > 0)
        {
            budget.Charge(WorkCost.Node);
            var (id, parent, from) = pending.Pop();
            if (id == NoStream)
            {
                continue;
            }

            if (id >= (uint)entries.Count)
            {
                return $"its directory entry {from} links to entry {id}, past the end of the directory ({entries.Count} entries)";
            }

            var entry = entries[(int)id];
            if (entry.Visit >= 0)
            {
                return $"its directory entry {id} is reached twice (entries that share children or siblings, or a cycle)";
            }

            entries[(int)id] = entry with { Parent = parent, Visit = visits++ };

            // The same order as a walk of each storage's tree alone: a storage's members come right before left.
            pending.Push((entry.Left, parent, id));
            pending.Push((entry.Right, parent, id));
            if (entry.Type == 1)
            {
                pending.Push((entry.Child, (int)id, id));
            }
        }

        return null;
    }

    private static SniffOutcome.Detected Refused(string reason) =>
        SniffContext.Detected(MediaTypes.Ole2, $"The compound file (.doc, .xls, .ppt) is damaged or crafted: {reason}. Re-save it with Office (or print it to PDF) and upload that.");

    /// <param name="Class">The CLSID of a storage (the COM class that opens it, for an embedded object), <see cref="Guid.Empty"/> when none.</param>
    internal readonly record struct Entry(string Name, byte Type, uint Left, uint Right, uint Child, Guid Class, uint Start, ulong Size)
    {
        /// <summary>The storage this entry belongs to (0: the root), or -1 when the walk from the root does not reach it.</summary>
        public int Parent { get; init; } = -1;

        /// <summary>When the walk from the root reached this entry (0: the root), or -1 when it does not.</summary>
        public int Visit { get; init; } = -1;

        public static Entry Parse(ReadOnlySpan<byte> raw, int major)
        {
            var nameBytes = Math.Clamp(SniffContext.U16LE(raw, 0x40) - 2, 0, 62) & ~1;
            var name = Encoding.Unicode.GetString(raw[..nameBytes]);
            var size = major == 3 ? SniffContext.U32LE(raw, 0x78) : SniffContext.U64LE(raw, 0x78);
            return new Entry(name, raw[0x42], SniffContext.U32LE(raw, 0x44), SniffContext.U32LE(raw, 0x48), SniffContext.U32LE(raw, 0x4C), new Guid(raw.Slice(0x50, 16)), SniffContext.U32LE(raw, 0x74), size);
        }
    }

    /// <summary>Sector reads and FAT lookups over the held bytes, asking for what is missing; the DIFAT chain is followed once, with cycle detection.</summary>
    internal sealed class CompoundFile(SniffContext context, ReadOnlySpan<byte> header, int sectorSize)
    {
        private readonly uint[] _headerDifat = ReadHeaderDifat(header);
        private readonly List<uint> _difatSectors = [SniffContext.U32LE(header, 0x44)];
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
            context.Budget.Charge(WorkCost.Node);
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
            var perSector = (uint)_entriesPerSector - 1;
            var remaining = index - HeaderDifatEntries;
            var nth = remaining / perSector;
            if (nth >= MaxDifatSectors)
            {
                return false;
            }

            // The chain's sectors found so far are kept: each DIFAT sector is read to find its successor once.
            while (_difatSectors.Count <= nth)
            {
                context.Budget.Charge(WorkCost.Node);
                if (!TryReadSector(_difatSectors[^1], out var link, out missing))
                {
                    return false;
                }

                var next = SniffContext.U32LE(link.Span, (int)perSector * 4);
                if (_difatSectors.Contains(next))
                {
                    missing = Refused($"its DIFAT's chain of sectors comes back to sector {next} (a cycle)");
                    return false;
                }

                _difatSectors.Add(next);
            }

            if (!TryReadSector(_difatSectors[(int)nth], out var bytes, out missing))
            {
                return false;
            }

            fatSector = SniffContext.U32LE(bytes.Span, (int)(remaining % perSector) * 4);
            return true;
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
