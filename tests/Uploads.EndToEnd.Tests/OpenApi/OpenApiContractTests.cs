using System.Text;
using Uploads.HostEmulator.Http;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// The check every end-to-end answer goes through (<see cref="OpenApiContract"/>) can fail: answers the document does
/// not allow, made up here, are each reported, and the answers the app gives pass.
/// </summary>
public sealed class OpenApiContractTests
{
    private const string StatusPath = "/" + HttpRoutes.StatusPath;
    private const string UrlPath = "/" + HttpRoutes.UploadUrlPath;

    private static HttpExchange Answer(string method, string path, int status, string? contentType, string body, params (string Name, string Value)[] headers)
    {
        var all = headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
        if (contentType is not null)
        {
            all["Content-Type"] = contentType;
        }

        return new HttpExchange(method, path, string.Empty, "Test", status, all, Encoding.UTF8.GetBytes(body), BodyTruncated: false, AnsweredByHost: false);
    }

    private static string Problem(int status, string code) =>
        $$"""{"type":"https://tools.ietf.org/html/rfc9110","title":"t","status":{{status}},"detail":"d","code":"{{code}}","traceId":"00-1"}""";

    /// <summary>
    /// The committed document, deliberately wrong: a status answer must carry a property the app never sends, so a
    /// correct answer breaks it.
    /// </summary>
    internal static OpenApiContract StatusRequiringVerdictId()
    {
        var text = File.ReadAllText(OpenApiContract.DocumentPath);
        const string Required = "\"required\": [\n          \"blobPath\",\n          \"status\"\n        ]";
        Assert.Contains(Required, text, StringComparison.Ordinal);
        return OpenApiContract.Parse(text.Replace(Required, "\"required\": [\n          \"blobPath\",\n          \"status\",\n          \"verdictId\"\n        ]", StringComparison.Ordinal));
    }

    private static IReadOnlyList<string> Check(HttpExchange exchange) => OpenApiContract.Committed.Check(exchange);

    [Fact]
    public void Check_AnswersAsDocumented_NoViolation()
    {
        Assert.Empty(Check(Answer("GET", StatusPath, 200, "application/json; charset=utf-8",
            """{"blobPath":"acme/0123456789abcdef0123456789abcdef/a.pdf","status":"verified","detectedType":"application/pdf","sizeBytes":5,"checkedAt":"2026-12-02T01:00:00Z"}""")));
        Assert.Empty(Check(Answer("POST", UrlPath, 200, "application/json; charset=utf-8",
            """{"uploadUrl":"https://127.0.0.1:10000/devstoreaccount1/uploads/x?sig=1","blobPath":"acme/0123456789abcdef0123456789abcdef/a.pdf","expiresAt":"2026-12-02T01:15:00Z"}""")));
        Assert.Empty(Check(Answer("POST", UrlPath, 409, "application/problem+json", Problem(409, "upload_verified"))));
        Assert.Empty(Check(Answer("GET", StatusPath, 503, "application/problem+json", Problem(503, "service_unavailable"), ("Retry-After", "5"))));
    }

    [Fact]
    public void Check_StatusNotDeclaredForTheOperation_Violation()
    {
        var violations = Check(Answer("GET", StatusPath, 409, "application/problem+json", Problem(409, "upload_verified")));

        Assert.Contains("status 409 is not declared for GetUploadStatus", Assert.Single(violations), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ContentTypeNotDeclared_Violation()
    {
        var violations = Check(Answer("GET", StatusPath, 404, "application/json", Problem(404, "not_found")));

        Assert.Contains("Content-Type application/json is not declared", Assert.Single(violations), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_RequiredPropertyMissing_Violation()
    {
        var violations = Check(Answer("GET", StatusPath, 200, "application/json", """{"blobPath":"acme/0123456789abcdef0123456789abcdef/a.pdf"}"""));

        Assert.Contains("does not match the schema", Assert.Single(violations), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"blobPath":"a/b/c","status":"quarantined"}""")] // a status the enum does not have
    [InlineData("""{"blobPath":"a/b/c","status":"pending","checkedAt":"yesterday"}""")] // not a date-time
    [InlineData("""{"blobPath":"a/b/c","status":"pending","extra":1}""")] // a property the document does not name
    [InlineData("""{"blobPath":"a/b/c","status":"pending","sizeBytes":"5"}""")] // a string for an integer
    public void Check_BodyOutsideTheSchema_Violation(string body)
    {
        Assert.Single(Check(Answer("GET", StatusPath, 200, "application/json", body)));
    }

    [Fact]
    public void Check_ProblemCodeOfAnotherStatus_Violation()
    {
        // not_found is a code of the API, but not one a 400 answers.
        Assert.Single(Check(Answer("GET", StatusPath, 400, "application/problem+json", Problem(400, "not_found"))));
    }

    [Fact]
    public void Check_UnknownProblemCode_Violation()
    {
        Assert.Single(Check(Answer("POST", UrlPath, 400, "application/problem+json", Problem(400, "something_new"))));
    }

    [Fact]
    public void Check_503WithoutRetryAfter_Violation()
    {
        var violations = Check(Answer("GET", StatusPath, 503, "application/problem+json", Problem(503, "service_unavailable")));

        Assert.Contains("required header Retry-After is missing", Assert.Single(violations), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_RouteOrMethodNotInTheDocument_Violation()
    {
        Assert.Single(Check(Answer("GET", "/api/integrations/uploads/list", 200, "application/json", "[]")));
        Assert.Single(Check(Answer("DELETE", StatusPath, 200, "application/json", "{}")));
    }

    [Fact]
    public void Check_BodyNotJsonOrMissing_Violation()
    {
        Assert.Single(Check(Answer("GET", StatusPath, 200, "application/json", "{not json")));
        Assert.Single(Check(Answer("GET", StatusPath, 200, null, string.Empty)));
    }

    [Fact]
    public void Check_HostsOwnBare500_NotTheAppsAnswer()
    {
        var bare = new HttpExchange("POST", UrlPath, string.Empty, "CreateUploadUrl", 500, new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty, BodyTruncated: false, AnsweredByHost: true);

        Assert.Empty(Check(bare));
    }

    [Fact]
    public void Check_DeliberatelyWrongDocument_ReportsTheAppsRealAnswer()
    {
        var wrong = StatusRequiringVerdictId();
        var answer = Answer("GET", StatusPath, 200, "application/json", """{"blobPath":"a/b/c","status":"pending"}""");

        Assert.Empty(Check(answer));
        Assert.Contains("verdictId", Assert.Single(wrong.Check(answer)), StringComparison.Ordinal);
    }
}
