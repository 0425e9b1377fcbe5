using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Uploads.Adversarial;

/// <summary>
/// Crafted encrypted PDFs that open without a password (issue "Detection on real-world documents"), aimed at the
/// decryption path: everything the scanner must hold until the key, which comes last, and decrypt then. Each is
/// AES-256 (revision 5, whose empty-password check is one SHA-256: the shape is about what follows the key, not about
/// deriving it), strings and streams encrypted with the file key, the encryption dictionary and the trailer at the end.
/// </summary>
public static class PdfEncryptionShapes
{
    private const string ContentType = "application/pdf";

    /// <summary>The encryption dictionary's object number (after every other object).</summary>
    private const int EncryptObject = 999_999;

    private static readonly byte[] FileKey = SHA256.HashData("adversarial shape"u8);

    private static readonly byte[] Iv = SHA256.HashData("iv"u8)[..16];

    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("pdf-encrypted-many-links", "statement.pdf", ContentType, false, ManyLinks),
        new("pdf-encrypted-tiny-object-streams", "statement.pdf", ContentType, false, TinyObjectStreams),
        new("pdf-encrypted-object-streams-over-hold", "statement.pdf", ContentType, false, LargeObjectStreams),
    ];

    /// <summary>
    /// Link annotations, each an object of its own with an encrypted <c>/URI</c> (held until the key, then decrypted,
    /// each with a cipher set-up of its own): as many as the size allows, the last one a <c>javascript:</c> address.
    /// </summary>
    private static byte[] ManyLinks(int size)
    {
        var pdf = Start();
        var https = Hex(Encrypt("https://example.com/"u8));
        var script = Hex(Encrypt("javascript:app.alert(1)"u8));
        var number = 4;
        var entry = 110 + https.Length;
        while (pdf.Length + entry + PdfShapes.PdfBuilder.TailBytes(number + 2) + 1200 <= size)
        {
            pdf.Object(number++, $"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI <{https}> >> >>");
        }

        pdf.Object(number, $"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI <{script}> >> >>");
        return Finish(pdf);
    }

    /// <summary>
    /// Object streams of one small object each, encrypted and compressed, before the key: each held, then decrypted and
    /// inflated (a decoder's set-up each); the last one's object is a catalog with an <c>/OpenAction</c> script.
    /// </summary>
    private static byte[] TinyObjectStreams(int size)
    {
        var pdf = Start();
        var number = 4;
        var stream = ObjectStream(100_000, "<< /S /GoTo /D [0 /Fit] >>");
        while (pdf.Length + 120 + stream.Data.Length + PdfShapes.PdfBuilder.TailBytes(number + 2) + 1200 <= size)
        {
            pdf.Stream(number++, stream.Entries, stream.Data);
        }

        var last = ObjectStream(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>");
        pdf.Stream(number, last.Entries, last.Data);
        return Finish(pdf);
    }

    /// <summary>
    /// Object streams of 1 MiB each (encrypted data does not compress) before the key, a script in the last: past
    /// PdfDecryption.MaxHeldBytes (16 MiB) in all, more than the scanner holds, the file is unverifiable.
    /// </summary>
    private static byte[] LargeObjectStreams(int size)
    {
        var pdf = Start();
        var number = 4;
        var filler = new StringBuilder();
        while (filler.Length < (1024 * 1024) - 64)
        {
            filler.Append("<< /S /GoTo /D [0 /Fit] /Next << /S /GoTo /D [1 /Fit] >> >> ");
        }

        var big = ObjectStream(100_000, filler.ToString(), compress: false);
        while (pdf.Length + 120 + big.Data.Length + PdfShapes.PdfBuilder.TailBytes(number + 2) + 1200 <= size)
        {
            pdf.Stream(number++, big.Entries, big.Data);
        }

        var last = ObjectStream(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>");
        pdf.Stream(number, last.Entries, last.Data);
        return Finish(pdf);
    }

    private static PdfShapes.PdfBuilder Start()
    {
        var pdf = new PdfShapes.PdfBuilder();
        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        pdf.Object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
        return pdf;
    }

    /// <summary>The encryption dictionary (revision 5, an empty user password: /U is SHA-256 of its validation salt, /UE the file key under SHA-256 of its key salt), then the trailer.</summary>
    private static byte[] Finish(PdfShapes.PdfBuilder pdf)
    {
        var validationSalt = "validate"u8.ToArray();
        var keySalt = "key-salt"u8.ToArray();
        byte[] u = [.. SHA256.HashData(validationSalt), .. validationSalt, .. keySalt];
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData(keySalt);
        var ue = aes.EncryptCbc(FileKey, new byte[16], PaddingMode.None);
        pdf.Object(EncryptObject, string.Create(
            CultureInfo.InvariantCulture,
            $"<< /Filter /Standard /V 5 /R 5 /Length 256 /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> /StmF /StdCF /StrF /StdCF /O <{Hex(new byte[48])}> /U <{Hex(u)}> /OE <{Hex(new byte[32])}> /UE <{Hex(ue)}> /Perms <{Hex(new byte[16])}> /P -4 >>"));
        return pdf.Finish(1, $"/Encrypt {EncryptObject} 0 R /ID [<{Hex(Iv)}><{Hex(Iv)}>] ");
    }

    /// <summary>An object stream holding <paramref name="body"/> as object <paramref name="objectNumber"/>, compressed (or not), encrypted.</summary>
    private static (string Entries, byte[] Data) ObjectStream(int objectNumber, string body, bool compress = true)
    {
        var header = $"{objectNumber} 0 ";
        var content = Encoding.ASCII.GetBytes(header + body);
        var data = Encrypt(compress ? PdfShapes.Deflate(content) : content);
        return ($"/Type /ObjStm /N 1 /First {header.Length}{(compress ? " /Filter /FlateDecode" : "")}", data);
    }

    /// <summary>AES-256-CBC with the file key, the IV first, PKCS #7 padding (ISO 32000-2 §7.6.3.2).</summary>
    private static byte[] Encrypt(ReadOnlySpan<byte> plain)
    {
        using var aes = Aes.Create();
        aes.Key = FileKey;
        return [.. Iv, .. aes.EncryptCbc(plain, Iv, PaddingMode.PKCS7)];
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
