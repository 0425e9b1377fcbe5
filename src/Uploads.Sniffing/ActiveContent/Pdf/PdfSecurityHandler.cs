using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// The PDF standard security handler, reader side, for files that open without a password (an owner password only,
/// the user password empty: every viewer opens them without asking). Revisions 2 to 4 (ISO 32000-1 §7.6.3: RC4 40 to
/// 128 bits and AES-128, <c>/V</c> 1, 2 and 4 with crypt filters <c>/StdCF</c>, <c>/Identity</c>, <c>/StmF</c>,
/// <c>/StrF</c>): the file key by Algorithm 2, the empty user password authenticated by Algorithm 6 (4 or 5); revision
/// 6 (ISO 32000-2 §7.6.4.3, AES-256): Algorithm 2.B checks the empty password against <c>/U</c>'s validation salt and
/// Algorithm 2.A takes the file key from <c>/UE</c>; revision 5 (Acrobat 9's deprecated AES-256, a plain SHA-256 of
/// password and salt) the same way with its hash. <c>/Perms</c> is not checked (optional, ISO 32000-2 §7.6.4.4: it
/// only guards the permissions). Objects are decrypted with per-object keys (RC4, AES-128) or the file key (AES-256),
/// AES-CBC with the first 16 bytes as IV and the PKCS #7 padding removed when it is well formed (kept when it is not,
/// a trailing partial block ignored: viewers are as lenient, and nothing here throws on content).
/// <see cref="Open"/> refuses, with a sentence for <see cref="ActiveContentKinds.PdfEncrypted"/>, a file that needs a
/// real user password, another security handler (public-key, <c>/Adobe.PubSec</c>, or any other), or a malformed
/// encryption dictionary. Every hash, cipher set-up and byte decrypted charges the check's <see cref="WorkBudget"/>:
/// the 50 MD5 rounds and 20 RC4 passes of revisions 3 and 4, revision 6's 64 to 288 rounds.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Reading what PDF writers made: ISO 32000's revisions 2 to 4 derive keys with MD5. Nothing is protected by it here.")]
internal sealed class PdfSecurityHandler
{
    /// <summary>Units a hash or cipher set-up costs besides its bytes (allocation, key schedule).</summary>
    private const int SetupUnits = 256;

    private static readonly byte[] Padding =
    [
        0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
        0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
    ];

    private readonly byte[] _key;
    private readonly Dictionary<string, Cipher> _filters;
    private readonly WorkBudget _budget;

    private PdfSecurityHandler(byte[] key, int revision, Cipher strings, Cipher streams, Dictionary<string, Cipher> filters, bool encryptMetadata, WorkBudget budget)
    {
        _key = key;
        Revision = revision;
        Strings = strings;
        Streams = streams;
        _filters = filters;
        EncryptMetadata = encryptMetadata;
        _budget = budget;
    }

    /// <summary>How a string or stream is encrypted (a crypt filter's <c>/CFM</c>).</summary>
    public enum Cipher
    {
        Identity,
        Rc4,
        Aes128,
        Aes256,
    }

    public int Revision { get; }

    /// <summary>The cipher of strings (<c>/StrF</c>).</summary>
    public Cipher Strings { get; }

    /// <summary>The cipher of streams (<c>/StmF</c>), unless a stream names its own crypt filter.</summary>
    public Cipher Streams { get; }

    /// <summary>False when <c>/EncryptMetadata false</c>: metadata streams are left as they are.</summary>
    public bool EncryptMetadata { get; }

    /// <summary>The file key (tests compare it with <c>qpdf --show-encryption-key</c>).</summary>
    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>The refusal of a file that cannot be decrypted: "PDF is encrypted …", one shape for every cause.</summary>
    public static string Refusal(string how, string fix = "remove the encryption (for example qpdf --decrypt in.pdf out.pdf)") =>
        $"PDF is encrypted{how}, so its scripts and attachments cannot be checked; {fix} and upload it again";

    /// <summary>The refusal of a file that needs a user password.</summary>
    public static string PasswordRefusal => Refusal(" with a password needed to open it", "remove the password (for example qpdf --decrypt --password=PASSWORD in.pdf out.pdf)");

    /// <summary>The refusal of a malformed encryption dictionary.</summary>
    public static string Malformed(string what) => Refusal($", but its encryption dictionary is malformed ({what})");

    /// <summary>
    /// The handler of <paramref name="encrypt"/> (the encryption dictionary, its strings kept) with the first element
    /// of the trailer's <c>/ID</c>, when the empty user password opens it; else null and the refusal.
    /// </summary>
    public static PdfSecurityHandler? Open(PdfValue encrypt, ReadOnlySpan<byte> id, WorkBudget budget, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(encrypt);
        ArgumentNullException.ThrowIfNull(budget);
        refusal = null;
        budget.Charge(WorkCost.Node);
        var filter = encrypt.Get("Filter");
        if (filter is not { Kind: PdfKind.Name, Text: { } handler })
        {
            refusal = Malformed("no /Filter names its security handler");
            return null;
        }

        if (handler != "Standard")
        {
            var subFilter = encrypt.Get("SubFilter") is { Kind: PdfKind.Name, Text: { } sub } ? $" /SubFilter /{Shown(sub)}" : "";
            refusal = Refusal($" with the security handler /{Shown(handler)}{subFilter} (certificates or another product), which the checker cannot open");
            return null;
        }

        var v = encrypt.Get("V") is { Kind: PdfKind.Integer } vValue ? vValue.Number : 0;
        var r = encrypt.Get("R") is { Kind: PdfKind.Integer } rValue ? rValue.Number : 0;
        if (v is not (1 or 2 or 4 or 5) || r is < 2 or > 6)
        {
            refusal = Refusal($" with an encryption algorithm the checker does not read (/V {v} /R {r})");
            return null;
        }

        var modern = r >= 5;
        var o = Kept(encrypt, "O", modern ? 48 : 32);
        var u = Kept(encrypt, "U", modern ? 48 : 32);
        if (o is null || u is null || encrypt.Get("P") is not { Kind: PdfKind.Integer } p)
        {
            refusal = Malformed(o is null ? "/O" : u is null ? "/U" : "/P");
            return null;
        }

        var encryptMetadata = encrypt.Get("EncryptMetadata") is not { Kind: PdfKind.Keyword, Text: "false" };
        var filters = new Dictionary<string, Cipher>(StringComparer.Ordinal) { ["Identity"] = Cipher.Identity };
        Cipher strings, streams;
        if (v >= 4)
        {
            if (!TryCryptFilters(encrypt, filters, out var problem)
                || !TryFilter(encrypt, "StrF", filters, out strings, out problem)
                || !TryFilter(encrypt, "StmF", filters, out streams, out problem))
            {
                refusal = problem;
                return null;
            }

            if (v == 5 ? filters.ContainsValue(Cipher.Rc4) || filters.ContainsValue(Cipher.Aes128) : filters.ContainsValue(Cipher.Aes256))
            {
                refusal = Malformed($"/V {v} with crypt filters of another revision");
                return null;
            }
        }
        else
        {
            strings = streams = Cipher.Rc4;
        }

        if (modern != (v == 5))
        {
            refusal = Malformed($"/V {v} with /R {r}");
            return null;
        }

        byte[]? key;
        if (modern)
        {
            var ue = Kept(encrypt, "UE", 32);
            if (ue is null)
            {
                refusal = Malformed("/UE");
                return null;
            }

            key = r == 5 ? OpenRevision5(u, ue, budget) : OpenRevision6(u, ue, budget);
        }
        else
        {
            var length = KeyLength(encrypt, v, filters);
            if (length is null || (r == 2 && length != 5))
            {
                refusal = Malformed("/Length is not a key length from 40 to 128 bits");
                return null;
            }

            key = ComputeKey(o, (int)p.Number, id, length.Value, r, encryptMetadata, budget);
            if (!Authenticates(key, u, id, r, budget))
            {
                key = null;
            }
        }

        if (key is null)
        {
            refusal = PasswordRefusal;
            return null;
        }

        return new(key, (int)r, strings, streams, filters, encryptMetadata, budget);
    }

    /// <summary>The cipher of a stream: its own crypt filter (<c>/Filter [/Crypt]</c>, <paramref name="cryptFilter"/>) or <c>/StmF</c>; metadata under <c>/EncryptMetadata false</c> and cross-reference streams are not encrypted.</summary>
    public Cipher StreamCipher(PdfValue dictionary, string? cryptFilter)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        if (dictionary.NameIs("Type", "XRef") || (!EncryptMetadata && dictionary.NameIs("Type", "Metadata")))
        {
            return Cipher.Identity;
        }

        return cryptFilter is null ? Streams : _filters.GetValueOrDefault(cryptFilter, Streams);
    }

    /// <summary>True when <paramref name="cryptFilter"/> (a stream's <c>/Crypt</c> filter's <c>/Name</c>) is one this file defines.</summary>
    public bool Defines(string cryptFilter) => _filters.ContainsKey(cryptFilter);

    /// <summary>Decrypts a string or stream of object <paramref name="objectNumber"/> generation <paramref name="generation"/>; a new array.</summary>
    public byte[] Decrypt(ReadOnlySpan<byte> data, long objectNumber, int generation, Cipher cipher)
    {
        _budget.Charge(SetupUnits);
        _budget.ChargeBytes(data.Length, WorkCost.DecodedByte);
        switch (cipher)
        {
            case Cipher.Rc4:
                var output = data.ToArray();
                Rc4.Transform(ObjectKey(objectNumber, generation, aes: false), output);
                return output;
            case Cipher.Aes128:
                return AesDecrypt(ObjectKey(objectNumber, generation, aes: true), data);
            case Cipher.Aes256:
                return AesDecrypt(_key, data);
            default:
                return data.ToArray();
        }
    }

    /// <summary>ISO 32000-1 Algorithm 1: MD5 of the file key, the object number (3 bytes) and generation (2 bytes), little-endian, and "sAlT" for AES; its first min(n + 5, 16) bytes.</summary>
    private byte[] ObjectKey(long objectNumber, int generation, bool aes)
    {
        Span<byte> input = stackalloc byte[_key.Length + 9];
        _key.CopyTo(input);
        var at = _key.Length;
        input[at] = (byte)objectNumber;
        input[at + 1] = (byte)(objectNumber >> 8);
        input[at + 2] = (byte)(objectNumber >> 16);
        input[at + 3] = (byte)generation;
        input[at + 4] = (byte)(generation >> 8);
        var length = at + 5;
        if (aes)
        {
            "sAlT"u8.CopyTo(input[length..]);
            length += 4;
        }

        var hash = MD5.HashData(input[..length]);
        return hash[..Math.Min(_key.Length + 5, 16)];
    }

    /// <summary>AES-CBC, the IV first; whole blocks only (a partial last block is ignored); PKCS #7 padding removed when well formed.</summary>
    private static byte[] AesDecrypt(byte[] key, ReadOnlySpan<byte> data)
    {
        if (data.Length < 32)
        {
            return [];
        }

        var blocks = (data.Length - 16) / 16 * 16;
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(data.Slice(16, blocks), data[..16], PaddingMode.None);
        var pad = plain[^1];
        if (pad is >= 1 and <= 16 && plain.AsSpan(plain.Length - pad).IndexOfAnyExcept(pad) < 0)
        {
            return plain[..^pad];
        }

        return plain;
    }

    /// <summary>ISO 32000-1 Algorithm 2: the file key of the (empty) user password.</summary>
    internal static byte[] ComputeKey(ReadOnlySpan<byte> o, int p, ReadOnlySpan<byte> id, int length, long revision, bool encryptMetadata, WorkBudget budget)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(Padding);
        md5.AppendData(o[..32]);
        Span<byte> permissions = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(permissions, p);
        md5.AppendData(permissions);
        md5.AppendData(id);
        if (revision >= 4 && !encryptMetadata)
        {
            md5.AppendData([0xFF, 0xFF, 0xFF, 0xFF]);
        }

        budget.ChargeBytes(SetupUnits + 68 + id.Length);
        var hash = md5.GetHashAndReset();
        if (revision >= 3)
        {
            budget.ChargeBytes(50L * (SetupUnits + length));
            for (var i = 0; i < 50; i++)
            {
                hash = MD5.HashData(hash.AsSpan(0, length));
            }
        }

        return hash[..length];
    }

    /// <summary>ISO 32000-1 Algorithms 4 and 5 (6): does the key open <c>/U</c>, i.e. is the user password empty?</summary>
    private static bool Authenticates(byte[] key, ReadOnlySpan<byte> u, ReadOnlySpan<byte> id, long revision, WorkBudget budget)
    {
        if (revision == 2)
        {
            budget.ChargeBytes(SetupUnits + 32);
            var expected = Padding.ToArray();
            Rc4.Transform(key, expected);
            return expected.AsSpan().SequenceEqual(u[..32]);
        }

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(Padding);
        md5.AppendData(id);
        var value = md5.GetHashAndReset();
        budget.ChargeBytes(21L * (SetupUnits + 32) + id.Length);
        Span<byte> passKey = stackalloc byte[key.Length];
        for (var i = 0; i < 20; i++)
        {
            for (var k = 0; k < key.Length; k++)
            {
                passKey[k] = (byte)(key[k] ^ i);
            }

            Rc4.Transform(passKey, value);
        }

        return value.AsSpan().SequenceEqual(u[..16]);
    }

    /// <summary>Revision 5: SHA-256 of the (empty) password and <c>/U</c>'s validation salt is <c>/U</c>'s hash; the key salt's hash decrypts <c>/UE</c>.</summary>
    private static byte[]? OpenRevision5(byte[] u, byte[] ue, WorkBudget budget)
    {
        budget.ChargeBytes(2L * (SetupUnits + 8));
        if (!SHA256.HashData(u.AsSpan(32, 8)).AsSpan().SequenceEqual(u.AsSpan(0, 32)))
        {
            return null;
        }

        return UnwrapKey(SHA256.HashData(u.AsSpan(40, 8)), ue, budget);
    }

    /// <summary>Revision 6: Algorithm 2.B over the validation salt checks the empty password; over the key salt it decrypts <c>/UE</c> (Algorithm 2.A).</summary>
    private static byte[]? OpenRevision6(byte[] u, byte[] ue, WorkBudget budget)
    {
        if (!Hash2B(u.AsSpan(32, 8), budget).AsSpan().SequenceEqual(u.AsSpan(0, 32)))
        {
            return null;
        }

        return UnwrapKey(Hash2B(u.AsSpan(40, 8), budget), ue, budget);
    }

    /// <summary>AES-256-CBC, zero IV, no padding: the file key from <c>/UE</c>.</summary>
    private static byte[] UnwrapKey(byte[] intermediate, byte[] ue, WorkBudget budget)
    {
        budget.ChargeBytes(SetupUnits + 32);
        using var aes = Aes.Create();
        aes.Key = intermediate;
        return aes.DecryptCbc(ue.AsSpan(0, 32), new byte[16], PaddingMode.None);
    }

    /// <summary>
    /// ISO 32000-2 Algorithm 2.B for the empty password (and no /U data): SHA-256 of the salt, then rounds of AES-128
    /// over 64 copies of K, each choosing SHA-256, -384 or -512, at least 64 and at most 288 (the last byte of E is below 256).
    /// </summary>
    internal static byte[] Hash2B(ReadOnlySpan<byte> salt, WorkBudget budget)
    {
        var k = SHA256.HashData(salt);
        using var aes = Aes.Create();
        for (var round = 0; ; round++)
        {
            var k1 = new byte[64 * k.Length];
            for (var i = 0; i < 64; i++)
            {
                k.CopyTo(k1, i * k.Length);
            }

            budget.ChargeBytes(SetupUnits + (3L * k1.Length));
            aes.Key = k[..16];
            var e = aes.EncryptCbc(k1, k.AsSpan(16, 16), PaddingMode.None);
            var sum = 0;
            for (var i = 0; i < 16; i++)
            {
                sum += e[i];
            }

            k = (sum % 3) switch
            {
                0 => SHA256.HashData(e),
                1 => SHA384.HashData(e),
                _ => SHA512.HashData(e),
            };

            if (round >= 63 && e[^1] <= round + 1 - 32)
            {
                return k[..32];
            }
        }
    }

    /// <summary>The key length in bytes: 5 for /V 1, 16 for AES-128; else <c>/Length</c> in bits (by default 40, or 128 for /V 4), from 40 to 128.</summary>
    private static int? KeyLength(PdfValue encrypt, long v, Dictionary<string, Cipher> filters)
    {
        if (v == 1)
        {
            return 5;
        }

        if (v == 4 && !filters.ContainsValue(Cipher.Rc4))
        {
            return 16;
        }

        var bits = encrypt.Get("Length") is { Kind: PdfKind.Integer } length ? length.Number : v == 4 ? 128 : 40;
        return bits is >= 40 and <= 128 && bits % 8 == 0 ? (int)(bits / 8) : null;
    }

    /// <summary>The crypt filters of <c>/CF</c> (ISO 32000-1 §7.6.5): each one's <c>/CFM</c>.</summary>
    private static bool TryCryptFilters(PdfValue encrypt, Dictionary<string, Cipher> filters, out string? problem)
    {
        problem = null;
        var cf = encrypt.Get("CF");
        if (cf is null)
        {
            return true;
        }

        if (cf is not { Kind: PdfKind.Dictionary, Entries: { } entries })
        {
            problem = Malformed("/CF is not a dictionary");
            return false;
        }

        if (entries.Count > 64)
        {
            problem = Malformed("/CF defines more than 64 crypt filters");
            return false;
        }

        foreach (var (name, filter) in entries)
        {
            var method = filter.Get("CFM") is { Kind: PdfKind.Name, Text: { } m } ? m : "None";
            Cipher? cipher = method switch
            {
                "None" => Cipher.Identity,
                "V2" => Cipher.Rc4,
                "AESV2" => Cipher.Aes128,
                "AESV3" => Cipher.Aes256,
                _ => null,
            };
            if (cipher is null)
            {
                problem = Refusal($" with a crypt filter the checker does not read (/CFM /{Shown(method)})");
                return false;
            }

            if (name != "Identity")
            {
                filters[name] = cipher.Value;
            }
        }

        return true;
    }

    /// <summary><c>/StrF</c> or <c>/StmF</c>: a crypt filter <c>/CF</c> defines, or <c>/Identity</c> (the default).</summary>
    private static bool TryFilter(PdfValue encrypt, string key, Dictionary<string, Cipher> filters, out Cipher cipher, out string? problem)
    {
        problem = null;
        cipher = Cipher.Identity;
        var value = encrypt.Get(key);
        if (value is null)
        {
            return true;
        }

        if (value is { Kind: PdfKind.Name, Text: { } name } && filters.TryGetValue(name, out cipher))
        {
            return true;
        }

        problem = Malformed($"/{key} names no crypt filter of /CF");
        return false;
    }

    /// <summary>A kept string of at least <paramref name="length"/> bytes (whole), else null.</summary>
    private static byte[]? Kept(PdfValue encrypt, string key, int length) =>
        encrypt.Get(key) is { Kind: PdfKind.String, Bytes: { } bytes, Truncated: false } && bytes.Length >= length ? bytes : null;

    /// <summary>A name from the file, shown in a refusal: its first 32 letters, digits and dots.</summary>
    private static string Shown(string name) => new([.. name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').Take(32)]);
}
