namespace Uploads.BrowserSample;

/// <summary>
/// The sample's stand-in for your authentication. Every browser gets an anonymous session whose id this server issues
/// and signs (<see cref="SessionIds"/>); a cookie the browser sends that this server did not issue is ignored and
/// replaced, so nobody can choose another browser's session. Each blob path the API issued is remembered for the
/// session that asked for it (<see cref="UploadOwners"/>), so a page can renew and poll only its own uploads. With one
/// API key, every user of a backend is the same API client: the API cannot tell them apart, so this check is the
/// backend's job. Replace the cookie with your sign-in and the owner table with your database.
/// </summary>
/// <remarks>
/// The cookie: over HTTPS <c>__Host-upload-session</c> (Secure, Path=/, no Domain: only this host, only over TLS); over
/// plain HTTP (local runs) <c>upload-session</c>; both HttpOnly and SameSite=Strict, lasting the owner lifetime. Behind
/// a proxy that ends TLS, set <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> so the request counts as HTTPS.
/// </remarks>
public sealed partial class SampleUsers(SessionIds ids, UploadOwners owners, Microsoft.Extensions.Options.IOptions<SampleSessionOptions> options, ILogger<SampleUsers> logger)
{
    public const string HttpCookie = "upload-session";
    public const string HttpsCookie = "__Host-upload-session";
    private static readonly object ItemKey = new();

    /// <summary>The caller's session id: the one its cookie carries if this server issued it, else a new one (set as the cookie).</summary>
    public string Current(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items[ItemKey] is string known)
        {
            return known;
        }

        var https = context.Request.IsHttps;
        var name = https ? HttpsCookie : HttpCookie;
        var sent = context.Request.Cookies[name];
        var id = ids.Verify(sent);
        if (id is null)
        {
            if (sent is not null)
            {
                Log.Replaced(logger, name);
            }

            (id, var value) = ids.Issue();
            context.Response.Cookies.Append(name, value, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = https,
                Path = "/",
                MaxAge = options.Value.OwnerLifetime,
                IsEssential = true,
            });
        }

        context.Items[ItemKey] = id;
        return id;
    }

    /// <summary>Gives every request a session, the page's first one included (its cookie comes with the page).</summary>
    public Task Middleware(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Current(context);
        return next(context);
    }

    public void Remember(HttpContext context, string blobPath) => owners.Remember(Current(context), blobPath);

    public bool Owns(HttpContext context, string blobPath) => owners.Owns(Current(context), blobPath);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "A {Cookie} cookie this server did not issue (made up, altered or from before a key change) was replaced by a new session")]
        public static partial void Replaced(ILogger logger, string cookie);
    }
}
