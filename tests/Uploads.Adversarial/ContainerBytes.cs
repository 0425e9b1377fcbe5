using System.Buffers.Binary;
using System.Text;

namespace Uploads.Adversarial;

/// <summary>Builders of container elements and of a carried payload, for tests that craft files byte by byte.</summary>
public static class ContainerBytes
{
    /// <summary>A minimal Windows executable header ("MZ", e_lfanew → "PE\0\0") padded to <paramref name="length"/> bytes.</summary>
    public static byte[] MakeExe(int length = 1024)
    {
        var exe = new byte[length];
        "MZ"u8.CopyTo(exe);
        BinaryPrimitives.WriteUInt32LittleEndian(exe.AsSpan(0x3C), 0x80);
        "PE\0\0"u8.CopyTo(exe.AsSpan(0x80));
        return exe;
    }

    /// <summary>A PNG chunk (length, type, data); the CRC is left zero: the walk does not compute CRCs.</summary>
    public static byte[] PngChunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>A RIFF chunk (id, little-endian size, data, pad byte).</summary>
    public static byte[] RiffChunk(string id, byte[] data)
    {
        var chunk = new byte[8 + data.Length + (data.Length & 1)];
        Encoding.ASCII.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)data.Length);
        data.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>An ISO BMFF box with a 32-bit size.</summary>
    public static byte[] Box(string type, byte[] payload)
    {
        var box = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(box, 4);
        payload.CopyTo(box, 8);
        return box;
    }

    /// <summary>An EBML element with an 8-byte size.</summary>
    public static byte[] Element(uint id, byte[] payload)
    {
        var idBytes = id switch { <= 0xFF => 1, <= 0xFFFF => 2, <= 0xFFFFFF => 3, _ => 4 };
        var element = new byte[idBytes + 8 + payload.Length];
        for (var i = 0; i < idBytes; i++)
        {
            element[i] = (byte)(id >> (8 * (idBytes - 1 - i)));
        }

        BinaryPrimitives.WriteUInt64BigEndian(element.AsSpan(idBytes), 0x0100_0000_0000_0000UL | (uint)payload.Length);
        payload.CopyTo(element, idBytes + 8);
        return element;
    }
}
