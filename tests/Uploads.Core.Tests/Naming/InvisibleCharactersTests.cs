using System.Globalization;
using System.Text.RegularExpressions;
using Uploads.Core.Naming;

namespace Uploads.Core.Tests.Naming;

public sealed partial class InvisibleCharactersTests
{
    private const string UnicodeData = "/usr/share/unicode";

    [Theory]
    [InlineData(0x3164)] // HANGUL FILLER: "\u3164.pdf" shows as ".pdf"
    [InlineData(0x115F)]
    [InlineData(0xFFA0)]
    [InlineData(0x034F)] // COMBINING GRAPHEME JOINER
    [InlineData(0x2800)] // BRAILLE PATTERN BLANK
    [InlineData(0x200B)]
    [InlineData(0x00A0)] // NO-BREAK SPACE
    [InlineData(0x3000)] // IDEOGRAPHIC SPACE
    [InlineData(0xFE0F)]
    [InlineData(0xE0041)] // TAG LATIN CAPITAL LETTER A
    public void Check_NameWithInvisibleCharacter_Refused(int codePoint)
    {
        var name = "report" + char.ConvertFromUtf32(codePoint) + ".pdf";

        Assert.False(FileNameRules.Check(name).IsValid);
        Assert.False(FileNameRules.Check(char.ConvertFromUtf32(codePoint) + ".pdf").IsValid);
    }

    [Theory]
    [InlineData("report final.pdf")]
    [InlineData("한글 문서.docx")]
    [InlineData("émoji-👍.png")]
    public void Check_VisibleNames_Accepted(string name) => Assert.True(FileNameRules.Check(name).IsValid);

    /// <summary>The table is Unicode's property, not a hand list: compared with the Unicode data files when present.</summary>
    [Fact]
    public void Tables_SameAsUnicodeDataFiles()
    {
        var derived = Path.Combine(UnicodeData, "DerivedCoreProperties.txt");
        var propList = Path.Combine(UnicodeData, "PropList.txt");
        if (!File.Exists(derived) || !File.Exists(propList))
        {
            Assert.Fail($"{UnicodeData} is missing: apt-get install unicode-data (.ci/run installs it).");
        }

        Assert.Equal(Ranges(derived, "Default_Ignorable_Code_Point"), InvisibleCharacters.DefaultIgnorable);
        Assert.Equal(Ranges(propList, "White_Space"), InvisibleCharacters.WhiteSpace);
    }

    private static (int First, int Last)[] Ranges(string path, string property)
    {
        var ranges = new List<(int First, int Last)>();
        foreach (var line in File.ReadLines(path))
        {
            var match = Entry().Match(line);
            if (!match.Success || match.Groups["property"].Value != property)
            {
                continue;
            }

            var first = int.Parse(match.Groups["first"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = match.Groups["last"].Success ? int.Parse(match.Groups["last"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : first;
            if (ranges.Count > 0 && ranges[^1].Last + 1 >= first)
            {
                ranges[^1] = (ranges[^1].First, Math.Max(ranges[^1].Last, last));
            }
            else
            {
                ranges.Add((first, last));
            }
        }

        return [.. ranges];
    }

    [GeneratedRegex(@"^(?<first>[0-9A-F]+)(\.\.(?<last>[0-9A-F]+))?\s+;\s+(?<property>\w+)")]
    private static partial Regex Entry();
}
