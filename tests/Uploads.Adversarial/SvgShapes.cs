using System.Text;

namespace Uploads.Adversarial;

/// <summary>
/// SVGs that make a whole-file XML scan do hostile work: default attributes from the internal DTD added to every
/// element (the shape), entities nested and multiplied, one long CSS value of many <c>url(#…)</c>, and elements
/// nested as deep as the size allows. Each is built at about the target size (the SVG cap is 4 MiB; larger targets
/// give larger files, which the sniffer refuses for their size), or as the smallest file that works when that is larger.
/// </summary>
public static class SvgShapes
{
    private const string Svg = "<svg xmlns=\"http://www.w3.org/2000/svg\">";

    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("svg-attlist-defaults", "attlist-defaults.svg", "image/svg+xml", Clean: false, AttlistDefaults),
        new("svg-entity-expansion", "entity-expansion.svg", "image/svg+xml", Clean: false, EntityExpansion),
        new("svg-style-url-fragments", "style-url-fragments.svg", "image/svg+xml", Clean: true, StyleUrlFragments),
        new("svg-deep-nesting", "deep-nesting.svg", "image/svg+xml", Clean: false, DeepNesting),
    ];

    /// <summary>
    /// The shape: half the file an <c>ATTLIST</c> giving <c>&lt;g&gt;</c> sixteen long default attributes, the
    /// other half empty <c>&lt;g/&gt;</c> elements; a parser adds the defaults to every one of them (and normalises them
    /// again each time), so the work is the product of the two halves: quadratic in the size.
    /// </summary>
    public static byte[] AttlistDefaults(int targetBytes)
    {
        const int Attributes = 16;
        var builder = new StringBuilder(targetBytes + 256);
        builder.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ATTLIST g");
        var valueLength = Math.Max(1, (targetBytes / 2 / Attributes) - 16);
        for (var i = 0; i < Attributes; i++)
        {
            builder.Append("\n  d").Append(i).Append(" CDATA \"").Append('a', valueLength).Append('"');
        }

        builder.Append(">\n]>\n").Append(Svg);
        Fill(builder, targetBytes, "<g/>", "</svg>\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>
    /// Entities that expand entities: a billion-laughs ladder (each level eight references to the one below), then
    /// as many further entities as half the size holds, each naming a level of the ladder, and elements whose
    /// attributes and text reference them: a parser expands each reference anew.
    /// </summary>
    public static byte[] EntityExpansion(int targetBytes)
    {
        var builder = new StringBuilder(targetBytes + 256);
        builder.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY l0 \"").Append('a', 64).Append("\">\n");
        const int Levels = 6;
        for (var level = 1; level < Levels; level++)
        {
            builder.Append("<!ENTITY l").Append(level).Append(" \"");
            for (var i = 0; i < 8; i++)
            {
                builder.Append("&l").Append(level - 1).Append(';');
            }

            builder.Append("\">\n");
        }

        var entities = 0;
        while (builder.Length < targetBytes / 2)
        {
            builder.Append("<!ENTITY e").Append(entities).Append(" \"&l").Append(entities % Levels).Append(";\">\n");
            entities++;
        }

        builder.Append("]>\n").Append(Svg);
        var reference = 0;
        var end = "</svg>\n";
        while (builder.Length + end.Length + 40 <= targetBytes)
        {
            var name = reference++ % entities;
            builder.Append("<text x=\"&e").Append(name).Append(";\">&e").Append(name).Append(";</text>");
        }

        builder.Append(end);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>
    /// One <c>style</c> attribute as long as the file, made of <c>url(#a)</c>: only fragments (clean), but a checker
    /// that copies the rest of the value at each <c>url(</c> does quadratic work.
    /// </summary>
    public static byte[] StyleUrlFragments(int targetBytes)
    {
        var builder = new StringBuilder(targetBytes + 256);
        builder.Append(Svg).Append("<rect width=\"1\" height=\"1\" style=\"");
        Fill(builder, targetBytes, "fill:url(#a);", "\"/></svg>\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>
    /// Groups nested as deep as the size allows (no active content, but a parser keeps state for every open element),
    /// and at least deeper than Blink and WebKit go (5000 levels): small targets give that smallest file, 35 KB.
    /// </summary>
    public static byte[] DeepNesting(int targetBytes)
    {
        const int BrowserLimit = 5000;
        var depth = Math.Max(BrowserLimit + 1, (targetBytes - Svg.Length - 8) / 7);
        var builder = new StringBuilder(targetBytes + 256);
        builder.Append(Svg);
        builder.Insert(builder.Length, "<g>", depth);
        builder.Insert(builder.Length, "</g>", depth);
        builder.Append("</svg>\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Repeats <paramref name="unit"/> while the file, <paramref name="end"/> included, stays within the target.</summary>
    private static void Fill(StringBuilder builder, int targetBytes, string unit, string end)
    {
        var count = Math.Max(1, (targetBytes - builder.Length - end.Length) / unit.Length);
        builder.Insert(builder.Length, unit, count);
        builder.Append(end);
    }
}
