using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Uploads.BrowserSample;

/// <summary>
/// The sample's stand-in for your authentication and your database. Every browser gets an anonymous session
/// (an HttpOnly cookie); each blob path the API issued is remembered for the session that asked for it, so a page
/// can renew and poll only its own uploads. With one API key, every user of a backend is the same API client: the
/// API cannot tell them apart, so this check is the backend's job. Replace the cookie with your sign-in and the
/// dictionary with your database (a restart forgets the sample's uploads: the page then starts them again).
/// </summary>
public sealed class SampleUsers
{
    private const string Cookie = "upload-sample-session";
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    /// <summary>The caller's session id, created (and set as a cookie) on the first request.</summary>
    public static string Current(HttpContext context)
    {
        if (context.Items[Cookie] is string known)
        {
            return known;
        }

        if (!context.Request.Cookies.TryGetValue(Cookie, out var id) || id.Length != 32)
        {
            id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            context.Response.Cookies.Append(Cookie, id, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });
        }

        context.Items[Cookie] = id;
        return id;
    }

    /// <summary>Gives every request a session, the page's first one included (its cookie comes with the page).</summary>
    public static Task Middleware(HttpContext context, RequestDelegate next)
    {
        Current(context);
        return next(context);
    }

    public void Remember(string user, string blobPath) => _owners[blobPath] = user;

    public bool Owns(string user, string blobPath) => _owners.TryGetValue(blobPath, out var owner) && owner == user;
}
