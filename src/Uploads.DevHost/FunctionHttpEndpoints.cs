using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace Uploads.DevHost;

/// <summary>One HTTP function of the app: its route and methods as its <see cref="HttpTriggerAttribute"/> declares them.</summary>
internal sealed record FunctionHttpEndpoint(string FunctionName, string Route, IReadOnlyList<string> Methods, MethodInfo Method);

/// <summary>
/// Serves the app's HTTP functions in-process the way the Functions host would route them: the same
/// <c>[Function]</c> classes, activated from the same service registration, on the routes their
/// <c>[HttpTrigger]</c> attributes declare (under the host.json route prefix).
/// </summary>
internal static class FunctionHttpEndpoints
{
    /// <summary>Every HTTP-triggered function of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<FunctionHttpEndpoint> Discover(Assembly assembly) =>
        [.. from type in assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            let function = method.GetCustomAttribute<FunctionAttribute>()
            where function is not null
            let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)
            where trigger is not null
            select new FunctionHttpEndpoint(function.Name, trigger.Route ?? function.Name, [.. (trigger.Methods ?? []).Select(m => m.ToUpperInvariant())], method)];

    public static IEndpointRouteBuilder MapFunctions(this IEndpointRouteBuilder routes, Assembly assembly, string routePrefix)
    {
        foreach (var endpoint in Discover(assembly))
        {
            var method = endpoint.Method;
            var parameters = method.GetParameters();
            foreach (var parameter in parameters)
            {
                if (parameter.ParameterType != typeof(HttpRequest) && parameter.ParameterType != typeof(CancellationToken))
                {
                    throw new NotSupportedException($"{endpoint.FunctionName}: the dev host binds only HttpRequest and CancellationToken, not {parameter.ParameterType.Name} {parameter.Name}.");
                }
            }

            if (method.ReturnType != typeof(Task<IActionResult>))
            {
                throw new NotSupportedException($"{endpoint.FunctionName}: the dev host serves functions returning Task<IActionResult>.");
            }

            var pattern = "/" + string.Join('/', new[] { routePrefix.Trim('/'), endpoint.Route.Trim('/') }.Where(s => s.Length > 0));
            routes.MapMethods(pattern, endpoint.Methods, async (HttpContext http) =>
            {
                // Like the worker: a new function instance per invocation, constructor arguments from DI.
                var instance = ActivatorUtilities.CreateInstance(http.RequestServices, method.DeclaringType!);
                var arguments = parameters.Select(p => p.ParameterType == typeof(HttpRequest) ? (object)http.Request : http.RequestAborted).ToArray();
                var result = await ((Task<IActionResult>)method.Invoke(instance, arguments)!).ConfigureAwait(false);
                if (!http.RequestAborted.IsCancellationRequested)
                {
                    await result.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
                }
            }).WithName(endpoint.FunctionName);
        }

        return routes;
    }
}
