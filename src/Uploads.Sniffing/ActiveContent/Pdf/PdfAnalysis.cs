namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// What the parsed objects say: every dictionary of every object (top level, inside object streams, trailers) is
/// examined for actions and features; references under action keys are kept as edges, so that a JavaScript action in
/// an object of its own is traced back to what triggers it (<c>/OpenAction</c>, an <c>/AA</c> event, the
/// <c>/Names /JavaScript</c> tree, a link's <c>/A</c>) for the reason and its category. Objects of every revision
/// count: an action an incremental update removed is still refused (no reader should be trusted to ignore it).
/// <para>
/// Bounded work: an edge keeps only what tracing needs (the trigger its key path names, or the path's first key), never
/// the path; a script is kept once per object and first key; tracing builds the reference graph once and finds each
/// object's nearest trigger by one breadth-first pass over all edges (<see cref="Findings"/>), so that no edge is
/// visited twice however many scripts share it. Every dictionary and edge charges the check's budget (each value's visit is charged with its parse).
/// </para>
/// </summary>
internal sealed class PdfAnalysis(WorkBudget budget)
{
    /// <summary>
    /// The most action references a file may have (page tree, name trees, outlines and actions: a 100,000-page
    /// document has a few hundred thousand); more refuse it as unverifiable, before the references cost more than its
    /// budget (one costs about 70 units: parsed, kept, indexed).
    /// </summary>
    public const int MaxEdges = 1_000_000;

    /// <summary>
    /// The most link addresses (<c>/URI</c> strings) in objects of their own held until the end, when an encrypted
    /// file's key is known (each holds at most <see cref="PdfParser.MaxKeptStringBytes"/>); more refuse an encrypted
    /// file as unverifiable. Each is also checked at once as it reads, which decides for a file that is not encrypted;
    /// addresses in object streams are plain, and checked at once only.
    /// </summary>
    public const int MaxHeldUris = 50_000;

    /// <summary>The most distinct key names kept to name a trigger (<c>/AA /K</c>); beyond, a key reads <c>?</c>.</summary>
    private const int MaxKeptKeys = 4096;

    /// <summary>Key id of a key not known or not kept (shown as <c>?</c>).</summary>
    private const int UnknownKey = 0;

    /// <summary>Key id of an <c>/AA</c> edge whose event key is in the object it references (<c>/AA 7 0 R</c>).</summary>
    private const int KeyBelow = -1;

    /// <summary>A cached key id not looked up yet.</summary>
    private const int NotLookedUp = int.MinValue;

    private static readonly ActiveContentFinding Untraced = new(ActiveContentKinds.PdfJavaScript, "PDF contains a JavaScript action (/JS)");

    private readonly WorkBudget _budget = budget;
    private readonly List<Edge> _edges = [];
    private readonly List<Script> _scripts = [];
    private readonly HashSet<(long Object, int Key)> _untracedScripts = [];
    private readonly HashSet<string> _scriptReasons = [];
    private readonly List<ActiveContentFinding> _findings = [];
    private readonly HashSet<string> _reported = [];
    private readonly List<string> _keyNames = ["?"];
    private readonly Dictionary<string, int> _keyIds = new(StringComparer.Ordinal);
    private readonly List<PathStep> _path = [];
    private readonly List<HeldUri> _uris = [];
    private readonly List<ActiveContentFinding> _plainUriFindings = [];
    private int _generation = -1;
    private int _firstTrigger = -1;
    private int _firstKeyId = NotLookedUp;
    private int _eventKeyId = NotLookedUp;
    private int _edgeKeysOnPath;
    private int _edgeCount;

    public bool Encrypted { get; private set; }

    /// <summary>Some dictionary has an <c>/XFA</c> entry: the file has an XFA form, whose packets are streams.</summary>
    public bool HasXfa { get; private set; }

    public bool TooManyEdges => _edgeCount > MaxEdges;

    /// <summary>More link addresses than <see cref="MaxHeldUris"/> were met in objects of their own (only an encrypted file cares).</summary>
    public bool TooManyUris { get; private set; }

    /// <summary>Examines object <paramref name="objectNumber"/>'s value; <paramref name="generation"/> -1 when its strings are not encrypted on their own (in an object stream, a trailer).</summary>
    public void Examine(PdfValue value, long objectNumber, int generation = -1)
    {
        _generation = generation;
        _path.Clear();
        _firstTrigger = -1;
        _edgeKeysOnPath = 0;
        Walk(value, objectNumber, 0);
    }

    public void Add(ActiveContentKinds kind, string reason)
    {
        if (_reported.Add(reason))
        {
            _findings.Add(new(kind, reason));
        }
    }

    /// <summary>
    /// Every finding, in the order found, JavaScript actions classified by what triggers them, then those of the link
    /// addresses in objects of their own: as they read when <paramref name="decrypt"/> is null (the file is not
    /// encrypted), else as <paramref name="decrypt"/> gives them (an address's bytes, object and generation to its
    /// decrypted text; null when it cannot be decrypted).
    /// </summary>
    public List<ActiveContentFinding> Findings(Func<byte[], long, int, byte[]?>? decrypt)
    {
        var all = new List<ActiveContentFinding>(_findings);
        var seen = new HashSet<string>(_reported);
        Graph? graph = null;
        foreach (var script in _scripts)
        {
            _budget.Charge(WorkCost.Token);
            var finding = script.Found ?? (script.Object < 0 ? Untraced : (graph ??= new Graph(this)).Trace(script.Object, script.Key));
            if (seen.Add(finding.Reason))
            {
                all.Add(finding);
            }
        }

        if (decrypt is null)
        {
            all.AddRange(_plainUriFindings.Where(f => seen.Add(f.Reason)));
            return all;
        }

        foreach (var uri in _uris)
        {
            _budget.Charge(WorkCost.Token);
            if (decrypt(uri.Bytes, uri.Object, uri.Generation) is { } text && PdfUriActions.Check(text) is { } finding && seen.Add(finding.Reason))
            {
                all.Add(finding);
            }
        }

        return all;
    }

    /// <summary>A <c>/URI</c> action's address: checked at once when its string is not encrypted on its own, else held until the key is known.</summary>
    private void UriAction(PdfValue? uri, long objectNumber)
    {
        if (uri is { Kind: PdfKind.Reference })
        {
            Add(PdfUriActions.Indirect.Kind, PdfUriActions.Indirect.Reason);
        }
        else if (uri is { Kind: PdfKind.String, Bytes: { } bytes })
        {
            if (_generation < 0 || objectNumber < 0)
            {
                if (PdfUriActions.Check(bytes) is { } finding)
                {
                    Add(finding.Kind, finding.Reason);
                }
            }
            else
            {
                _budget.Charge(WorkCost.Token);
                if (PdfUriActions.Check(bytes) is { } plain && !_plainUriFindings.Exists(f => f.Reason == plain.Reason))
                {
                    _plainUriFindings.Add(plain);
                }

                if (_uris.Count < MaxHeldUris)
                {
                    _uris.Add(new(objectNumber, _generation, bytes));
                }
                else
                {
                    TooManyUris = true;
                }
            }
        }
    }

    private void Walk(PdfValue value, long objectNumber, int depth)
    {
        if (depth > PdfParser.MaxDepth)
        {
            return;
        }

        // Each value's visit is charged with its parse (PdfParser: every value parsed is examined once).
        switch (value.Kind)
        {
            case PdfKind.Dictionary:
                var kind = Inspect(value, objectNumber);
                foreach (var (key, child) in value.Entries!)
                {
                    Push(key, kind);
                    Walk(child, objectNumber, depth + 1);
                    Pop();
                }

                break;
            case PdfKind.Array:
                foreach (var item in value.Items!)
                {
                    Walk(item, objectNumber, depth + 1);
                }

                break;
            case PdfKind.Reference when objectNumber >= 0 && _edgeKeysOnPath > 0:
                if (++_edgeCount <= MaxEdges)
                {
                    _budget.Charge(WorkCost.Token);
                    _edges.Add(EdgeHere(objectNumber, value.Number));
                }

                // Past the limit the file is refused (PdfScanner) as soon as this object is examined.

                break;
            default:
                break;
        }
    }

    private void Push(string key, ContainerKind container)
    {
        var role = RoleOf(key);
        _path.Add(new(key, container, role));
        var at = _path.Count - 1;
        if (at == 0)
        {
            _firstKeyId = NotLookedUp;
        }

        if (_firstTrigger >= 0 && at == _firstTrigger + 1)
        {
            _eventKeyId = NotLookedUp;
        }

        if (_firstTrigger < 0 && role > KeyRole.Edge)
        {
            _firstTrigger = at;
        }

        if (role != KeyRole.None)
        {
            _edgeKeysOnPath++;
        }
    }

    private void Pop()
    {
        var step = _path[^1];
        _path.RemoveAt(_path.Count - 1);
        if (_firstTrigger == _path.Count)
        {
            _firstTrigger = -1;
        }

        if (step.Role != KeyRole.None)
        {
            _edgeKeysOnPath--;
        }
    }

    /// <summary>A reference at the current path: its trigger (the first trigger key on the path), or the path's first key.</summary>
    private Edge EdgeHere(long source, long target)
    {
        if (_firstTrigger < 0)
        {
            return new(source, target, KeyRole.None, ContainerKind.Other, FirstKeyId());
        }

        var step = _path[_firstTrigger];
        var key = step.Role != KeyRole.AA ? UnknownKey : _firstTrigger + 1 < _path.Count ? EventKeyId() : KeyBelow;
        return new(source, target, step.Role, step.Container, key);
    }

    /// <summary>The id of the path's first key, looked up once while that key is on the path (the references of one array share it).</summary>
    private int FirstKeyId() => _firstKeyId != NotLookedUp ? _firstKeyId : _firstKeyId = KeyId(_path[0].Key);

    /// <summary>The id of the key after the first trigger (<c>/AA</c>'s event), looked up once while it is on the path.</summary>
    private int EventKeyId() => _eventKeyId != NotLookedUp ? _eventKeyId : _eventKeyId = KeyId(_path[_firstTrigger + 1].Key);

    private int KeyId(string key)
    {
        if (_keyIds.TryGetValue(key, out var id))
        {
            return id;
        }

        if (_keyNames.Count >= MaxKeptKeys)
        {
            return UnknownKey;
        }

        _budget.ChargeBytes(key.Length * sizeof(char), WorkCost.AllocatedByte);
        _keyNames.Add(key);
        _keyIds[key] = _keyNames.Count - 1;
        return _keyNames.Count - 1;
    }

    /// <summary>Records what the dictionary is and does (one pass over its entries, the last of a repeated key counting); its kind.</summary>
    private ContainerKind Inspect(PdfValue dictionary, long objectNumber)
    {
        _budget.Charge(WorkCost.Token);
        var facts = DictionaryFacts.Of(dictionary);
        if (facts.Action == "JavaScript" || facts.HasJs)
        {
            AddScript(objectNumber);
        }

        switch (facts.Action)
        {
            case "URI":
                UriAction(dictionary.Get("URI"), objectNumber);
                break;
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

        if (facts.Subtype == "FileAttachment")
        {
            Add(ActiveContentKinds.PdfEmbeddedFiles, "PDF has a file attachment annotation (/FileAttachment)");
        }

        if (facts.HasEmbeddedFiles || facts.Type == "EmbeddedFile" || facts.EF is { Kind: PdfKind.Dictionary or PdfKind.Reference })
        {
            Add(ActiveContentKinds.PdfEmbeddedFiles, "PDF carries embedded files (/EmbeddedFiles)");
        }

        if (facts.Subtype == "RichMedia" || facts.HasRichMediaContent)
        {
            Add(ActiveContentKinds.PdfRichMedia, "PDF embeds rich media such as Flash (/RichMedia)");
        }

        if (facts.HasXfa)
        {
            HasXfa = true;
        }

        if (facts.Encrypt is { Kind: PdfKind.Dictionary or PdfKind.Reference })
        {
            Encrypted = true;
        }

        if (facts.HasFT || facts.Subtype == "Widget")
        {
            return ContainerKind.Field;
        }

        return facts.Type switch
        {
            "Catalog" => ContainerKind.Catalog,
            "Page" => ContainerKind.Page,
            _ => ContainerKind.Other,
        };
    }

    /// <summary>A JavaScript action at the current path: classified now when the path names its trigger, else kept once per object and first key.</summary>
    private void AddScript(long objectNumber)
    {
        if (_firstTrigger >= 0)
        {
            var step = _path[_firstTrigger];
            var key = _firstTrigger + 1 < _path.Count ? _path[_firstTrigger + 1].Key : "?";
            var found = Resolve(step.Role, step.Container, key);
            if (_scriptReasons.Add(found.Reason))
            {
                _scripts.Add(new(objectNumber, UnknownKey, found));
            }

            return;
        }

        var first = _path.Count > 0 ? FirstKeyId() : KeyBelow;
        if (_untracedScripts.Add((objectNumber, first)))
        {
            _budget.Charge(WorkCost.Token);
            _scripts.Add(new(objectNumber, first, null));
        }
    }

    /// <summary>The reason for a script triggered by <paramref name="role"/> in a <paramref name="container"/>; <paramref name="key"/> follows <c>/AA</c>.</summary>
    private static ActiveContentFinding Resolve(KeyRole role, ContainerKind container, string key)
    {
        switch (role)
        {
            case KeyRole.OpenAction:
                return new(ActiveContentKinds.PdfJavaScript, "PDF runs JavaScript when it is opened (/OpenAction)");
            case KeyRole.JavaScript:
                return new(ActiveContentKinds.PdfJavaScript, "PDF runs document-level JavaScript when it is opened (/Names /JavaScript)");
            case KeyRole.AA:
                if (container == ContainerKind.Field || key is "K" or "F" or "V" or "C")
                {
                    return new(ActiveContentKinds.PdfFormScripts, $"PDF form field runs JavaScript (/AA /{key})");
                }

                return container switch
                {
                    ContainerKind.Catalog => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript on document events such as close, save or print (catalog /AA /{key})"),
                    ContainerKind.Page => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript when a page opens or closes (page /AA /{key})"),
                    _ => new(ActiveContentKinds.PdfJavaScript, $"PDF runs JavaScript when an annotation is used (/AA /{key})"),
                };
            default:
                return container == ContainerKind.Field
                    ? new(ActiveContentKinds.PdfFormScripts, "PDF form button runs JavaScript when clicked (/A)")
                    : new(ActiveContentKinds.PdfJavaScript, "PDF runs JavaScript when a link, bookmark or annotation is clicked (/A)");
        }
    }

    private static KeyRole RoleOf(string key) => key switch
    {
        "OpenAction" => KeyRole.OpenAction,
        "JavaScript" => KeyRole.JavaScript,
        "AA" => KeyRole.AA,
        "A" => KeyRole.A,
        "Next" or "Names" or "Kids" => KeyRole.Edge,
        _ => KeyRole.None,
    };

    /// <summary>What a key does on a path: nothing, leads to actions (an edge key), or triggers them (an edge key too).</summary>
    private enum KeyRole : byte
    {
        None,
        Edge,
        OpenAction,
        JavaScript,
        AA,
        A,
    }

    private enum ContainerKind : byte
    {
        Other,
        Catalog,
        Page,
        Field,
    }

    private readonly record struct PathStep(string Key, ContainerKind Container, KeyRole Role);

    /// <summary>A link address in object <paramref name="Object"/> generation <paramref name="Generation"/>, held as read (encrypted, perhaps).</summary>
    private sealed record HeldUri(long Object, int Generation, byte[] Bytes);

    /// <summary>
    /// A reference from <paramref name="Source"/> to <paramref name="Target"/> under an action key. <paramref name="Role"/>:
    /// the trigger the path names (<see cref="KeyRole.None"/>: none, the reference only leads on), in a
    /// <paramref name="Container"/>; <paramref name="Key"/>: the key after <c>/AA</c> for an <c>/AA</c> trigger
    /// (<see cref="KeyBelow"/>: in the object referenced), else the path's first key (what an <c>/AA</c> above reads).
    /// </summary>
    private readonly record struct Edge(long Source, long Target, KeyRole Role, ContainerKind Container, int Key);

    /// <summary>A JavaScript action: <paramref name="Found"/> when its own object names the trigger, else traced from <paramref name="Object"/> whose path began with <paramref name="Key"/>.</summary>
    private sealed record Script(long Object, int Key, ActiveContentFinding? Found);

    /// <summary>The dictionary's entries that matter, the last of a repeated key counting, in one pass.</summary>
    private readonly record struct DictionaryFacts(
        string? Action,
        string? Type,
        string? Subtype,
        bool HasJs,
        bool HasFT,
        bool HasEmbeddedFiles,
        bool HasRichMediaContent,
        bool HasXfa,
        PdfValue? EF,
        PdfValue? Encrypt)
    {
        public static DictionaryFacts Of(PdfValue dictionary)
        {
            string? action = null, type = null, subtype = null;
            bool seenAction = false, seenType = false, seenSubtype = false;
            bool js = false, ft = false, embeddedFiles = false, richMedia = false, xfa = false;
            PdfValue? ef = null, encrypt = null;
            var entries = dictionary.Entries!;
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var (key, value) = entries[i];
                switch (key)
                {
                    case "S" when !seenAction:
                        seenAction = true;
                        action = value.Kind == PdfKind.Name ? value.Text : null;
                        break;
                    case "Type" when !seenType:
                        seenType = true;
                        type = value.Kind == PdfKind.Name ? value.Text : null;
                        break;
                    case "Subtype" when !seenSubtype:
                        seenSubtype = true;
                        subtype = value.Kind == PdfKind.Name ? value.Text : null;
                        break;
                    case "JS":
                        js = true;
                        break;
                    case "FT":
                        ft = true;
                        break;
                    case "EmbeddedFiles":
                        embeddedFiles = true;
                        break;
                    case "RichMediaContent":
                        richMedia = true;
                        break;
                    case "XFA":
                        xfa = true;
                        break;
                    case "EF":
                        ef ??= value;
                        break;
                    case "Encrypt":
                        encrypt ??= value;
                        break;
                    default:
                        break;
                }
            }

            return new(action, type, subtype, js, ft, embeddedFiles, richMedia, xfa, ef, encrypt);
        }
    }

    /// <summary>
    /// The references as a graph, built once when a script must be traced: the edges by target and by source, each
    /// object's distance to its nearest trigger (one breadth-first pass from every triggered object along the edges),
    /// and per object the edge a trace follows (the first trigger edge, else the first edge from an object one step
    /// nearer): the trace the old per-script search found (nearest trigger, earliest edges first), at linear cost.
    /// </summary>
    private sealed class Graph
    {
        private readonly PdfAnalysis _analysis;
        private readonly List<Edge> _edges;
        private readonly long[] _targets;
        private readonly int[] _byTarget;
        private readonly long[] _sources;
        private readonly int[] _bySource;
        private readonly Dictionary<long, int> _distance = [];
        private readonly Dictionary<long, int> _next = [];
        private readonly Dictionary<long, ActiveContentFinding> _traced = [];

        public Graph(PdfAnalysis analysis)
        {
            _analysis = analysis;
            _edges = analysis._edges;
            analysis._budget.Charge((long)_edges.Count * WorkCost.Token);
            (_targets, _byTarget) = Index(_edges, e => e.Target);
            (_sources, _bySource) = Index(_edges, e => e.Source);

            var pending = new Queue<long>();
            foreach (var edge in _edges)
            {
                if (edge.Role != KeyRole.None && _distance.TryAdd(edge.Target, 1))
                {
                    pending.Enqueue(edge.Target);
                }
            }

            while (pending.TryDequeue(out var from))
            {
                var distance = _distance[from] + 1;
                var (start, end) = Range(_sources, from);
                for (var i = start; i < end; i++)
                {
                    analysis._budget.Charge(WorkCost.Token);
                    var target = _edges[_bySource[i]].Target;
                    if (_distance.TryAdd(target, distance))
                    {
                        pending.Enqueue(target);
                    }
                }
            }
        }

        /// <summary>The reason for a script in <paramref name="obj"/> whose path in it began with key <paramref name="key"/>.</summary>
        public ActiveContentFinding Trace(long obj, int key)
        {
            var chain = new List<long>();
            ActiveContentFinding found;
            while (true)
            {
                if (_traced.TryGetValue(obj, out var known))
                {
                    found = known;
                    break;
                }

                if (NextEdge(obj) is not { } edge)
                {
                    found = Untraced;
                    break;
                }

                if (edge.Role != KeyRole.None)
                {
                    var name = edge.Key == KeyBelow ? key : edge.Key;
                    found = Resolve(edge.Role, edge.Container, name == KeyBelow ? "?" : _analysis._keyNames[name]);
                    break;
                }

                // The reason of an object whose trace goes on does not depend on the key below: kept for every script.
                chain.Add(obj);
                key = edge.Key;
                obj = edge.Source;
            }

            foreach (var passed in chain)
            {
                _traced[passed] = found;
            }

            return found;
        }

        /// <summary>The edge a trace from <paramref name="obj"/> follows, chosen once per object; null when no trigger is reachable.</summary>
        private Edge? NextEdge(long obj)
        {
            if (!_distance.TryGetValue(obj, out var distance))
            {
                return null;
            }

            if (!_next.TryGetValue(obj, out var chosen))
            {
                chosen = -1;
                var (start, end) = Range(_targets, obj);
                for (var i = start; i < end && chosen < 0; i++)
                {
                    _analysis._budget.Charge(WorkCost.Token);
                    var edge = _edges[_byTarget[i]];
                    if (distance == 1 ? edge.Role != KeyRole.None : edge.Role == KeyRole.None && _distance.GetValueOrDefault(edge.Source) == distance - 1)
                    {
                        chosen = _byTarget[i];
                    }
                }

                _next[obj] = chosen;
            }

            return chosen < 0 ? null : _edges[chosen];
        }

        /// <summary>The edges' indices ordered by <paramref name="key"/>, then by index (file order), with the keys in that order.</summary>
        private static (long[] Keys, int[] Order) Index(List<Edge> edges, Func<Edge, long> key)
        {
            var keys = new long[edges.Count];
            var order = new int[edges.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = key(edges[i]);
                order[i] = i;
            }

            Array.Sort(keys, order);
            for (var start = 0; start < keys.Length;)
            {
                var end = start + 1;
                while (end < keys.Length && keys[end] == keys[start])
                {
                    end++;
                }

                Array.Sort(order, start, end - start);
                start = end;
            }

            return (keys, order);
        }

        /// <summary>The range of <paramref name="keys"/> (sorted) equal to <paramref name="value"/>.</summary>
        private static (int Start, int End) Range(long[] keys, long value)
        {
            var at = Array.BinarySearch(keys, value);
            if (at < 0)
            {
                return (0, 0);
            }

            var start = at;
            while (start > 0 && keys[start - 1] == value)
            {
                start--;
            }

            var end = at + 1;
            while (end < keys.Length && keys[end] == value)
            {
                end++;
            }

            return (start, end);
        }
    }
}
