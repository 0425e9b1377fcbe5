using System.Text;

namespace Uploads.Core.Naming;

/// <summary>
/// Code points that show as nothing (or as a blank) but change what a name is: Unicode's
/// <c>Default_Ignorable_Code_Point</c> property (DerivedCoreProperties.txt), every <c>White_Space</c> character other
/// than U+0020 (PropList.txt), and U+2800 BRAILLE PATTERN BLANK, which renders blank in most fonts without being
/// either. .NET exposes neither property, so the ranges are kept here, merged, from Unicode 15.0; a unit test compares
/// them with the files of Debian's <c>unicode-data</c> package when it is installed (CI installs it).
/// "\u3164.pdf" would otherwise show as ".pdf", "report\u200B.pdf" as "report.pdf".
/// </summary>
internal static class InvisibleCharacters
{
    /// <summary>Default_Ignorable_Code_Point, Unicode 15.0 (merged ranges, inclusive).</summary>
    internal static readonly (int First, int Last)[] DefaultIgnorable =
    [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
        (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
    ];

    /// <summary>White_Space, Unicode 15.0 (inclusive ranges; U+0020 is the one a name may contain).</summary>
    internal static readonly (int First, int Last)[] WhiteSpace =
    [
        (0x0009, 0x000D), (0x0020, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0), (0x1680, 0x1680), (0x2000, 0x200A),
        (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
    ];

    private const int BraillePatternBlank = 0x2800;

    /// <summary>True when <paramref name="rune"/> is invisible in a name (see the class remarks).</summary>
    public static bool IsInvisible(Rune rune)
    {
        var value = rune.Value;
        return value == BraillePatternBlank
            || (value != ' ' && In(WhiteSpace, value))
            || In(DefaultIgnorable, value);
    }

    private static bool In((int First, int Last)[] ranges, int value)
    {
        foreach (var (first, last) in ranges)
        {
            if (value < first)
            {
                return false;
            }

            if (value <= last)
            {
                return true;
            }
        }

        return false;
    }
}
