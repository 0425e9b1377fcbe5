using System.Buffers.Binary;
using System.Text;

namespace Uploads.Adversarial;

/// <summary>
/// Compound files (.doc) whose directory is not a tree, or whose sector chains loop: a Word 97 document (a root
/// storage holding a <c>WordDocument</c> stream that starts with a Word FIB, so that the type check reads the
/// directory and the OLE scanner walks it) with the rest of the directory crafted. The directory is as large as the
/// old reader read (64 sectors) or the target size allows; the rest of the target size is the WordDocument stream.
/// Small targets use 512-byte sectors (version 3), targets from 64 KiB up 4096-byte sectors (version 4).
/// </summary>
public static class CfbShapes
{
    /// <summary>No entry, the end of a chain, a FAT sector, a free sector.</summary>
    private const uint NoStream = 0xFFFFFFFF;
    private const uint EndOfChain = 0xFFFFFFFE;
    private const uint FatSector = 0xFFFFFFFD;
    private const uint FreeSector = 0xFFFFFFFF;

    /// <summary>The directory sectors the old reader read at most: more are never worth writing.</summary>
    private const int OldMaxDirectorySectors = 64;

    private const int EntryBytes = 128;

    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("doc-shared-children", "shared-children.doc", "application/msword", Clean: false, SharedChildren),
        new("doc-directory-cycle", "directory-cycle.doc", "application/msword", Clean: false, DirectoryCycle),
        new("doc-fat-cycle", "fat-cycle.doc", "application/msword", Clean: false, FatCycle),
    ];

    /// <summary>
    /// The shape: every storage is an <c>ObjectPool</c> of no known class, and each one's child is the next
    /// while the next is also its left sibling, down the whole directory: a chain of shared subtrees, as many levels
    /// as entries. Acyclic, but entry k+1 is reached twice from entry k, so a naive walk is exponential and a walk
    /// per storage with a visited set (the old one) is cubic.
    /// </summary>
    public static byte[] SharedChildren(int targetBytes) => Build(targetBytes, directoryCycle: false, (entries, count) =>
    {
        for (var id = 2; id < count; id++)
        {
            var next = id + 1 < count ? (uint)(id + 1) : NoStream;
            entries[id] = Storage("ObjectPool", left: next, child: next);
        }
    });

    /// <summary>
    /// Every storage an <c>ObjectPool</c> whose child is the first of them, the siblings a ring through all of them:
    /// each storage's subtree holds every storage, itself included (the old walk: cubic; a naive one: endless).
    /// </summary>
    public static byte[] DirectoryCycle(int targetBytes) => Build(targetBytes, directoryCycle: false, (entries, count) =>
    {
        for (var id = 2; id < count; id++)
        {
            var next = id + 1 < count ? (uint)(id + 1) : 2u;
            entries[id] = Storage("ObjectPool", left: next, child: 2);
        }
    });

    /// <summary>
    /// A directory of one sector whose FAT entry points back to itself: the chain never ends (the old reader read the
    /// sector 64 times and took every copy for more entries). The sector holds the cyclic directory above.
    /// </summary>
    public static byte[] FatCycle(int targetBytes) => Build(targetBytes, directoryCycle: true, (entries, count) =>
    {
        for (var id = 2; id < count; id++)
        {
            var next = id + 1 < count ? (uint)(id + 1) : 2u;
            entries[id] = Storage("ObjectPool", left: next, child: 2);
        }
    });

    private static Entry Storage(string name, uint left, uint child) => new(name, 1, left, NoStream, child, 0, 0);

    private sealed record Entry(string Name, byte Type, uint Left, uint Right, uint Child, uint Start, long Size);

    /// <summary>
    /// A compound file of about <paramref name="targetBytes"/>: header, FAT sectors, directory sectors, then the
    /// WordDocument stream (a Word 97 FIB and zeros). Entry 0 is the root (its child entry 1), entry 1 the
    /// WordDocument stream (its left sibling entry 2); <paramref name="fill"/> sets entries 2 and up.
    /// <paramref name="directoryCycle"/>: one directory sector whose chain points back to itself.
    /// </summary>
    private static byte[] Build(int targetBytes, bool directoryCycle, Action<Entry?[], int> fill)
    {
        var shift = targetBytes >= 64 * 1024 ? 12 : 9;
        var sectorSize = 1 << shift;
        var perFatSector = sectorSize / 4;
        var entriesPerSector = sectorSize / EntryBytes;

        // Sectors after the header: FAT, directory, data (at least one). The header takes one sector's room.
        var sectors = Math.Max(3, (targetBytes / sectorSize) - 1);
        var fatSectors = 1;
        while (fatSectors * perFatSector < sectors)
        {
            fatSectors++;
        }

        var room = sectors - fatSectors - 1;
        var directorySectors = directoryCycle ? 1 : Math.Clamp(room, 1, OldMaxDirectorySectors);
        var dataSectors = Math.Max(1, sectors - fatSectors - directorySectors);
        sectors = fatSectors + directorySectors + dataSectors;
        var bytes = new byte[(sectors + 1) * sectorSize];
        var span = bytes.AsSpan();

        // Header.
        ReadOnlySpan<byte> signature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        signature.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x18..], 0x003E);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x1A..], (ushort)(shift == 12 ? 4 : 3));
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x1C..], 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x1E..], (ushort)shift);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x20..], 6);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x28..], shift == 12 ? (uint)directorySectors : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x2C..], (uint)fatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x30..], (uint)fatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x38..], 4096);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x3C..], EndOfChain);
        BinaryPrimitives.WriteUInt32LittleEndian(span[0x44..], EndOfChain);
        for (var i = 0; i < 109; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[(0x4C + (i * 4))..], i < fatSectors ? (uint)i : FreeSector);
        }

        // FAT: the FAT sectors, the directory chain, the data chain; the rest free.
        var fat = new uint[fatSectors * perFatSector];
        Array.Fill(fat, FreeSector);
        for (var i = 0; i < fatSectors; i++)
        {
            fat[i] = FatSector;
        }

        var firstDirectory = fatSectors;
        for (var i = 0; i < directorySectors; i++)
        {
            fat[firstDirectory + i] = i + 1 < directorySectors ? (uint)(firstDirectory + i + 1) : directoryCycle ? (uint)firstDirectory : EndOfChain;
        }

        var firstData = firstDirectory + directorySectors;
        for (var i = 0; i < dataSectors; i++)
        {
            fat[firstData + i] = i + 1 < dataSectors ? (uint)(firstData + i + 1) : EndOfChain;
        }

        for (var i = 0; i < fat.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[(sectorSize + (i * 4))..], fat[i]);
        }

        // Directory: the root, the WordDocument stream, then the crafted entries.
        var count = directorySectors * entriesPerSector;
        var entries = new Entry?[count];
        entries[0] = new Entry("Root Entry", 5, NoStream, NoStream, 1, EndOfChain, 0);
        entries[1] = new Entry("WordDocument", 2, count > 2 ? 2u : NoStream, NoStream, NoStream, (uint)firstData, (long)dataSectors * sectorSize);
        fill(entries, count);
        var directory = span[((firstDirectory + 1) * sectorSize)..];
        for (var id = 0; id < count; id++)
        {
            WriteEntry(directory.Slice(id * EntryBytes, EntryBytes), entries[id], shift == 12);
        }

        // The WordDocument stream starts with a Word 97 FIB: wIdent 0xA5EC, nFib 0x00C1.
        var data = span[((firstData + 1) * sectorSize)..];
        BinaryPrimitives.WriteUInt16LittleEndian(data, 0xA5EC);
        BinaryPrimitives.WriteUInt16LittleEndian(data[2..], 0x00C1);
        return bytes;
    }

    private static void WriteEntry(Span<byte> raw, Entry? entry, bool version4)
    {
        if (entry is null)
        {
            // An unused slot: type 0, no links.
            BinaryPrimitives.WriteUInt32LittleEndian(raw[0x44..], NoStream);
            BinaryPrimitives.WriteUInt32LittleEndian(raw[0x48..], NoStream);
            BinaryPrimitives.WriteUInt32LittleEndian(raw[0x4C..], NoStream);
            return;
        }

        var name = Encoding.Unicode.GetBytes(entry.Name);
        name.CopyTo(raw);
        BinaryPrimitives.WriteUInt16LittleEndian(raw[0x40..], (ushort)(name.Length + 2));
        raw[0x42] = entry.Type;
        raw[0x43] = 1; // black
        BinaryPrimitives.WriteUInt32LittleEndian(raw[0x44..], entry.Left);
        BinaryPrimitives.WriteUInt32LittleEndian(raw[0x48..], entry.Right);
        BinaryPrimitives.WriteUInt32LittleEndian(raw[0x4C..], entry.Child);
        BinaryPrimitives.WriteUInt32LittleEndian(raw[0x74..], entry.Start);
        if (version4)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(raw[0x78..], (ulong)entry.Size);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(raw[0x78..], (uint)entry.Size);
        }
    }
}
