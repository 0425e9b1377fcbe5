namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// What the parsed objects say: every dictionary of every object (top level, inside object streams, trailers) is
/// examined for actions and features; references under action keys are kept as edges, so that a JavaScript action in
/// an object of its own is traced back to what triggers it (<c>/OpenAction</c>, an <c>/AA</c> event, the
/// <c>/Names /JavaScript</c> tree, a link's <c>/A</c>) for the reason and its category. Objects of every revision
/// count: an action an incremental update removed is still refused (no reader should be trusted to ignore it).
/// </summary>
internal sealed class PdfAnalysis
{
    public const int MaxEdges = 2_000_000;
    private const int MaxTraceSteps = 256;

    private static readonly HashSet<string> EdgeKeys = ["OpenAction", "AA", "A", "Next", "JavaScript", "Names", "Kids"];

    private readonly Dictionary<long, List<Edge>> _incoming = [];
    private readonly List<Script> _scripts = [];
    private readonly List<ActiveContentFinding> _findings = [];
    private readonly HashSet<string> _reported = [];
    private int _edgeCount;

    public bool Encrypted { get; private set; }

    /// <summary>Some dictionary has an <c>/XFA</c> entry: the file has an XFA form, whose packets are streams.</summary>
    public bool HasXfa { get; private set; }

    public bool TooManyEdges => _edgeCount > MaxEdges;

    public void Examine(PdfValue value, long objectNumber)
    {
        var path = new List<PathStep>();
        Walk(value, objectNumber, path, 0);
    }

    public void Add(ActiveContentKinds kind, string reason)
    {
        if (_reported.Add(reason))
        {
            _findings.Add(new(kind, reason));
        }
    }

    /// <summary>Every finding, in the order found, JavaScript actions classified by what triggers them.</summary>
    public List<ActiveContentFinding> Findings()
    {
        var all = new List<ActiveContentFinding>(_findings);
        var seen = new HashSet<string>(_reported);
        foreach (var script in _scripts)
        {
            var finding = Classify(script);
            if (seen.Add(finding.Reason))
            {
                all.Add(finding);
            }
        }

        return all;
    }

    private void Walk(PdfValue value, long objectNumber, List<PathStep> path, int depth)
    {
        if (depth > PdfParser.MaxDepth)
        {
            return;
        }

        switch (value.Kind)
        {
            case PdfKind.Dictionary:
                var kind = KindOf(value);
                Inspect(value, objectNumber, path);
                foreach (var (key, child) in value.Entries!)
                {
                    path.Add(new(key, kind));
                    Walk(child, objectNumber, path, depth + 1);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case PdfKind.Array:
                foreach (var item in value.Items!)
                {
                    Walk(item, objectNumber, path, depth + 1);
                }

                break;
            case PdfKind.Reference when objectNumber >= 0 && path.Exists(s => EdgeKeys.Contains(s.Key)):
                if (!_incoming.TryGetValue(value.Number, out var edges))
                {
                    edges = [];
                    _incoming[value.Number] = edges;
                }

                if (++_edgeCount <= MaxEdges)
                {
                    edges.Add(new(objectNumber, [.. path]));
                }

                break;
            default:
                break;
        }
    }

    private void Inspect(PdfValue dictionary, long objectNumber, List<PathStep> path)
    {
        var action = dictionary.Get("S") is { Kind: PdfKind.Name } s ? s.Text : null;
        if (action == "JavaScript" || dictionary.Has("JS"))
        {
            _scripts.Add(new(objectNumber, [.. path]));
        }

        switch (action)
        {
            case "Launch":
                Add(ActiveContentKinds.PdfLaunch, "PDF launches a program or opens a file on the reader's computer (/Launch)");
                break;
            case "SubmitForm":
                Add(ActiveContentKinds.PdfExternalActions, "PDF sends its form data to a web address (/SubmitForm)");
                break;
            case "ImportData":
                Add(ActiveContentKinds.PdfExternalActions, "PDF imports form data from a file (/ImportData)");
                break;
            case "GoToR":
                Add(ActiveContentKinds.PdfExternalActions, "PDF opens another document, possibly on a remote share (/GoToR)");
                break;
            case "GoToE":
                Add(ActiveContentKinds.PdfExternalActions, "PDF opens an embedded or external document (/GoToE)");
                break;
            default:
                break;
        }

        if (dictionary.NameIs("Subtype", "FileAttachment"))
        {
            Add(ActiveContentKinds.PdfEmbeddedFiles, "PDF has a file attachment annotation (/FileAttachment)");
        }

        if (dictionary.Has("EmbeddedFiles") || dictionary.NameIs("Type", "EmbeddedFile") || dictionary.Get("EF") is { Kind: PdfKind.Dictionary or PdfKind.Reference })
        {
            Add(ActiveContentKinds.PdfEmbeddedFiles, "PDF carries embedded files (/EmbeddedFiles)");
        }

        if (dictionary.NameIs("Subtype", "RichMedia") || dictionary.Has("RichMediaContent"))
        {
            Add(ActiveContentKinds.PdfRichMedia, "PDF embeds rich media such as Flash (/RichMedia)");
        }

        if (dictionary.Has("XFA"))
        {
            HasXfa = true;
        }

        if (dictionary.Get("Encrypt") is { Kind: PdfKind.Dictionary or PdfKind.Reference })
        {
            Encrypted = true;
        }
    }

    private ActiveContentFinding Classify(Script script)
    {
        var pending = new Queue<(long Object, PathStep[] Path)>();
        var visited = new HashSet<long>();
        pending.Enqueue((script.Object, script.Path));
        for (var steps = 0; steps < MaxTraceSteps && pending.Count > 0; steps++)
        {
            var (obj, path) = pending.Dequeue();
            if (Trigger(path) is { } found)
            {
                return found;
            }

            if (obj < 0 || !visited.Add(obj) || !_incoming.TryGetValue(obj, out var edges))
            {
                continue;
            }

            foreach (var edge in edges)
            {
                pending.Enqueue((edge.Source, [.. edge.Path, .. path]));
            }
        }

        return new(ActiveContentKinds.PdfJavaScript, "PDF contains a JavaScript action (/JS)");
    }

    /// <summary>The trigger of an action reached through <paramref name="path"/> (keys from an object's root), or null.</summary>
    private static ActiveContentFinding? Trigger(PathStep[] path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var step = path[i];
            switch (step.Key)
            {
                case "OpenAction":
                    return new(ActiveContentKinds.PdfJavaScript, "PDF runs JavaScript when it is opened (/OpenAction)");
                case "JavaScript":
                    return new(ActiveContentKinds.PdfJavaScript, "PDF runs document-level JavaScript when it is opened (/Names /JavaScript)");
                case "AA":
                    var trigger = i + 1 < path.Length ? path[i + 1].Key : "?";
                    if (step.Container == ContainerKind.Field || trigger is "K" or "F" or "V" or "C")
                    {
                        return new(ActiveContentKinds.PdfFormScripts, $"PDF form field runs JavaScript (/AA /{trigger})");
                    }

                    return step.Container switch
                    {
                        ContainerKind.Catalog => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript on document events such as close, save or print (catalog /AA /{trigger})"),
                        ContainerKind.Page => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript when a page opens or closes (page /AA /{trigger})"),
                        _ => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript when an annotation is used (/AA /{trigger})"),
                    };
                case "A":
                    return step.Container == ContainerKind.Field
                        ? new(ActiveContentKinds.PdfFormScripts, "PDF form button runs JavaScript when clicked (/A)")
                        : new(ActiveContentKinds.PdfJavaScript, "PDF runs JavaScript when a link, bookmark or annotation is clicked (/A)");
                default:
                    break;
            }
        }

        return null;
    }

    private static ContainerKind KindOf(PdfValue dictionary)
    {
        if (dictionary.Has("FT") || dictionary.NameIs("Subtype", "Widget"))
        {
            return ContainerKind.Field;
        }

        if (dictionary.NameIs("Type", "Catalog"))
        {
            return ContainerKind.Catalog;
        }

        return dictionary.NameIs("Type", "Page") ? ContainerKind.Page : ContainerKind.Other;
    }

    private enum ContainerKind
    {
        Other,
        Catalog,
        Page,
        Field,
    }

    private readonly record struct PathStep(string Key, ContainerKind Container);

    private sealed record Edge(long Source, PathStep[] Path);

    private sealed record Script(long Object, PathStep[] Path);
}
