using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Storage;
using Uploads.HostEmulator.Triggers;
using Uploads.HostEmulator.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace Uploads.HostEmulator.Http;

/// <summary>
/// The host's public HTTP front: Kestrel on <see cref="EmulatorOptions.Listen"/> with the host's request body limit
/// (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c>, else 100 MB), answering, in order: 503 once the worker is gone; the Blob
/// trigger's Event Grid webhook; the home page at <c>GET /</c>; an HTTP-triggered function's route (forwarded to the
/// worker; an empty 404 when the function is disabled, as the host answers without the master key); 404 otherwise.
/// </summary>
internal sealed class HttpFront(EmulatorOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private WebApplication? _app;
    private HttpFunctionForwarder? _forwarder;

    /// <summary>Where the front listens, e.g. http://127.0.0.1:7071.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>"METHOD /route -> Function" for every HTTP route served.</summary>
    public IReadOnlyList<string> Routes { get; private set; } = [];

    /// <summary>HTTP-function invocations ended so far (see <see cref="HttpFunctionForwarder.Invocations"/>).</summary>
    public int InvocationsEnded => _forwarder?.Invocations ?? 0;

    /// <param name="enqueueBlobEvent">The Blob trigger queue's writer; null without one (the webhook then answers 500).</param>
    /// <param name="workerGone">True once the worker is gone: every request then answers 503.</param>
    public async Task StartAsync(FunctionInvoker invoker, Uri workerHttpUri, string appDirectory, Func<BlobTriggerMessage, CancellationToken, Task>? enqueueBlobEvent, Func<bool> workerGone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        var bodyLimit = options.Settings.TryGetValue("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", out var limit) && long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : EmulatorOptions.DefaultRequestBodyLimit;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = bodyLimit;
            kestrel.Listen(options.Listen);
        });
        var app = builder.Build();
        var routes = new HttpTriggerRoutes(invoker.Functions, HostJson.RoutePrefix(appDirectory));
        Routes = [.. routes.Describe()];
        var forwarder = _forwarder = new HttpFunctionForwarder(app.Services.GetRequiredService<IHttpForwarder>(), invoker, workerHttpUri, loggerFactory.CreateLogger("Host.Http"), options.BeforeHttpInvocation);
        var webhook = new BlobEventGridWebhook(
            enqueueBlobEvent ?? ((_, _) => throw new InvalidOperationException($"The Blob trigger's queue needs the {HostStorage.ConnectionSetting} setting (a storage connection string).")),
            options.BlobsExtensionKey,
            loggerFactory.CreateLogger("Host.Triggers.Blob"));
        app.Run(http =>
        {
            if (workerGone())
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            if (http.Request.Path.Equals(BlobEventGridWebhook.Path, StringComparison.OrdinalIgnoreCase))
            {
                return webhook.HandleAsync(http);
            }

            if (http.Request.Path == "/" && HttpMethods.IsGet(http.Request.Method))
            {
                return HomePage.WriteAsync(http);
            }

            if (routes.Match(http.Request) is { IsDisabled: false } function)
            {
                return options.OnHttpResponse is { } observer ? InvokeObservedAsync(http, function, forwarder, observer) : forwarder.InvokeAsync(http, function);
            }

            // No route, a method the route does not allow, or a disabled function: the host's empty 404.
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        _app = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _forwarder?.Dispose();
    }

    private static async Task InvokeObservedAsync(HttpContext http, WorkerFunction function, HttpFunctionForwarder forwarder, Action<HttpExchange> observer)
    {
        var body = http.Response.Body;
        using var tee = new ResponseTee(body);
        http.Response.Body = tee;
        bool byHost;
        try
        {
            byHost = await forwarder.InvokeAsync(http, function).ConfigureAwait(false);
        }
        finally
        {
            http.Response.Body = body;
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var headers = http.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        observer(new HttpExchange(http.Request.Method, http.Request.Path.Value ?? "/", http.Request.QueryString.Value ?? string.Empty, function.Name, http.Response.StatusCode, headers, tee.Copy.ToArray(), tee.Truncated, byHost));
    }
}
