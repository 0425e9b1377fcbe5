using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// The repository's <c>test.http</c>, every request sent exactly as written (its bytes, its line endings, its
/// variables) to the built worker configured with <c>local.settings.sample.json</c>'s local key: each answers what
/// the file says it does. Before, its multipart body had bare LF line endings and answered 400 when sent verbatim.
/// </summary>
public sealed partial class TestHttpFileTests(AzuriteHostStorageFixture fixture) : IClassFixture<AzuriteHostStorageFixture>
{
    private sealed record RawRequest(string Title, string Method, string Url, List<(string Name, string Value)> Headers, string Body);

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Variable();

    private static List<RawRequest> Parse(string text, Dictionary<string, string> overrides)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<RawRequest>();
        // Blocks start at a line beginning with ###; the first block holds the file's variables.
        var blocks = Regex.Split(text, @"^###", RegexOptions.Multiline);
        foreach (var block in blocks)
        {
            var lines = Regex.Split(block, @"(?<=\n)");
            var title = lines[0].Trim();
            var i = 1;
            string? requestLine = null;
            for (; i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd('\r', '\n');
                if (line.StartsWith('@'))
                {
                    var (name, value) = (line[1..line.IndexOf('=', StringComparison.Ordinal)].Trim(), line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim());
                    variables[name] = overrides.TryGetValue(name, out var replaced) ? replaced : value;
                }
                else if (line.Length > 0 && !line.StartsWith('#'))
                {
                    requestLine = line;
                    i++;
                    break;
                }
            }

            if (requestLine is null)
            {
                continue;
            }

            string Expand(string s) => Variable().Replace(s, m => variables[m.Groups[1].Value]);
            var parts = requestLine.Split(' ', 2);
            var headers = new List<(string, string)>();
            for (; i < lines.Length && lines[i].TrimEnd('\r', '\n').Length > 0; i++)
            {
                var header = lines[i].TrimEnd('\r', '\n');
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                headers.Add((header[..colon].Trim(), Expand(header[(colon + 1)..].Trim())));
            }

            // The body is everything after the blank line, as written; trailing line breaks are not part of it.
            var body = string.Concat(lines.Skip(i + 1)).TrimEnd('\r', '\n');
            requests.Add(new RawRequest(title, parts[0], Expand(parts[1]), headers, Expand(body)));
        }

        return requests;
    }

    [Fact]
    public async Task EveryRequest_SentVerbatim_AnswersAsTheFileSays()
    {
        var root = RepositoryRoot.Find();
        using var sample = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "local.settings.sample.json")));
        var localKeyHash = sample.RootElement.GetProperty("Values").GetProperty("ApiKeys__Clients__local").GetString();
        await using var app = await FunctionsApp.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["ApiKeys__Clients__local"] = localKeyHash });
        var api = app.BaseAddress.ToString().TrimEnd('/');
        var text = (await File.ReadAllTextAsync(Path.Combine(root, "test.http"))).Replace("http://127.0.0.1:7071", api, StringComparison.Ordinal);

        var requests = Parse(text, new Dictionary<string, string> { ["api"] = api });

        Assert.Equal(4, requests.Count);
        using var http = new HttpClient();
        var answers = new List<string>();
        foreach (var request in requests)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            foreach (var (name, value) in request.Headers)
            {
                if (!message.Headers.TryAddWithoutValidation(name, value))
                {
                    content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            if (request.Body.Length > 0)
            {
                message.Content = content;
            }

            using var response = await http.SendAsync(message);
            answers.Add($"{request.Title} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // 1: a URL; 2: stored; 3: the placeholder path is no upload; 4: the event is taken onto the host's queue (its
        // blob does not exist, which the run from the queue finds out later).
        Assert.Collection(
            answers,
            a => Assert.StartsWith("1. Ask for an upload URL -> 200 ", a, StringComparison.Ordinal),
            a => Assert.StartsWith("2. Direct upload (10 MB at most) -> 201 ", a, StringComparison.Ordinal),
            a => Assert.StartsWith("3. Status of a blob path (paste a blobPath from 1 or 2) -> 404 ", a, StringComparison.Ordinal),
            a => Assert.Contains(" -> 202", a, StringComparison.Ordinal));
    }
}
