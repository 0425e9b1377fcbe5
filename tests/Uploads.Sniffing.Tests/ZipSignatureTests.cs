using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// The one test of "these bytes start a ZIP archive" (<see cref="Zip.StartsArchive"/>) and the one caller that is
/// meant to be wider (a payload carried inside another file, <see cref="Carried.Identify"/>).
/// </summary>
public sealed class ZipSignatureTests
{
    public static TheoryData<byte[], bool, bool> Starts() => new()
    {
        // bytes, a ZIP file (detection), a carried ZIP (wider)
        { [.. "PK\x03\x04"u8, 0, 0], true, true },
        { [.. "PK\x05\x06"u8, 0, 0], true, true },
        { [.. "PK\x07\x08PK\x03\x04"u8], true, true },
        { [.. "PK\x07\x08"u8, 0, 0, 0, 0], false, true },
        { [.. "PK\x01\x02"u8, 0, 0], false, false },
        { [.. "PK\x03"u8], false, false },
        { [.. "%PDF-1.7"u8], false, false },
    };

    [Theory]
    [MemberData(nameof(Starts))]
    public void StartsArchive_RecordSignatures_DetectionNarrowerThanCarried(byte[] bytes, bool archive, bool carried)
    {
        Assert.Equal(archive, Zip.StartsArchive(bytes));
        Assert.Equal(carried, Carried.Identify(bytes) == "a ZIP archive");
    }
}
