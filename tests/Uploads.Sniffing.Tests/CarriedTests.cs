using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.Tests;

/// <summary>What a carried payload's first bytes say it is, and a ZIP end record in a tail.</summary>
public sealed class CarriedTests
{
    public static TheoryData<string, string> Payloads() => new()
    {
        { "4D5A00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400000005045000000000000", "a Windows executable" },
        { "7F454C4602010100000000000000000000", "a Linux executable" },
        { "CFFAEDFE0700000100000000", "a macOS executable" },
        { "504B0304140000000800", "a ZIP archive" },
        { "D0CF11E0A1B11AE1000000", "an Office compound file" },
        { "255044462D312E370A", "a PDF document" },
        { "526172211A0700CF90", "a compressed archive" },
        { "EFBBBF0D0A3C68746D6C3E", "a web page" },
        { "3C21444F43545950452068746D6C3E", "a web page" },
        { "2321202F62696E2F73680A", "a script" },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Identify_AnotherFilesSignature_NamesIt(string hex, string expected)
    {
        Assert.Equal(expected, Carried.Identify(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("0000001C667479706D703432")]
    [InlineData("FFD8FFE000104A464946")]
    [InlineData("4D5A")]
    [InlineData("3C68746D6C")]
    [InlineData("3C68746D6C6978")]
    [InlineData("")]
    public void Identify_MediaDataOrTooShort_Null(string hex)
    {
        Assert.Null(Carried.Identify(Convert.FromHexString(hex)));
    }

    [Fact]
    public void FindZipEnd_RecordReachingTheEnd_ItsOffset()
    {
        var tail = new byte[100 + 22 + 5];
        "PK\x05\x06"u8.CopyTo(tail.AsSpan(100));
        tail[108] = 1; // entries on this disk
        tail[110] = 1; // entries
        tail[112] = 46; // directory size
        tail[120] = 5; // comment length: the record and its comment end the file

        Assert.Equal(100, Carried.FindZipEnd(tail, WorkBudget.ForFile(tail.Length)));
    }

    [Fact]
    public void FindZipEnd_CommentStoppingShortOfTheEnd_StillFound()
    {
        var tail = new byte[100 + 22 + 9];
        "PK\x05\x06"u8.CopyTo(tail.AsSpan(100));
        tail[108] = 1;
        tail[110] = 1;
        tail[112] = 46;
        tail[120] = 5;

        Assert.Equal(100, Carried.FindZipEnd(tail, WorkBudget.ForFile(tail.Length)));
    }

    [Fact]
    public void FindZipEnd_CommentPastTheEnd_NotFound()
    {
        var tail = new byte[100 + 22 + 4];
        "PK\x05\x06"u8.CopyTo(tail.AsSpan(100));
        tail[108] = 1;
        tail[110] = 1;
        tail[112] = 46;
        tail[120] = 5;

        Assert.Equal(-1, Carried.FindZipEnd(tail, WorkBudget.ForFile(tail.Length)));
    }
}
