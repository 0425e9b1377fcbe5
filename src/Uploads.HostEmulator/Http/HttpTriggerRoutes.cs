using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Http;

/// <summary>
/// The HTTP routes of the app's functions, as the host builds them: the trigger's <c>route</c> (the function name
/// when unset) under host.json's route prefix, and its <c>methods</c> (any method when unset). A path that matches no
/// route, or a method the route does not allow, is no function (the host answers 404 for both). A disabled function's
/// route still matches (it shadows the routes after it, as in the host), and the front answers it 404.
/// </summary>
internal sealed class HttpTriggerRoutes
{
    private readonly List<(WorkerFunction Function, TemplateMatcher Matcher, HashSet<string>? Methods, string Template)> _routes = [];

    public HttpTriggerRoutes(IEnumerable<WorkerFunction> functions, string routePrefix)
    {
        foreach (var function in functions.Where(f => f.Trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            var route = (function.Trigger.GetString("route") ?? function.Name).Trim('/');
            var template = string.Join('/', new[] { routePrefix.Trim('/'), route }.Where(s => s.Length > 0));
            var methods = function.Trigger.GetStrings("methods");
            _routes.Add((
                function,
                new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary()),
                methods.Count == 0 ? null : new HashSet<string>(methods, StringComparer.OrdinalIgnoreCase),
                "/" + template));
        }
    }

    /// <summary>Every route as "METHOD /path -> Function" (for the start-up banner and tests), " (disabled)" after a disabled function.</summary>
    public IEnumerable<string> Describe() =>
        _routes.SelectMany(r => (r.Methods ?? ["*"]).Select(m => $"{m.ToUpperInvariant()} {r.Template} -> {r.Function.Name}{(r.Function.IsDisabled ? " (disabled)" : string.Empty)}"));

    public WorkerFunction? Match(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var (function, matcher, methods, _) in _routes)
        {
            if (matcher.TryMatch(request.Path, new RouteValueDictionary()) && (methods is null || methods.Contains(request.Method)))
            {
                return function;
            }
        }

        return null;
    }
}
