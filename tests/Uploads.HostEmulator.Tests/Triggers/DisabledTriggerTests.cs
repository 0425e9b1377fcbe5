using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Http;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Triggers;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Tests.Triggers;

/// <summary>A disabled function (<see cref="WorkerFunction.IsDisabled"/>) as each trigger honours it, without a worker.</summary>
public sealed class DisabledTriggerTests
{
    private const string Yearly = "0 0 0 1 1 *";

    private static WorkerFunction Function(string name, string binding, bool disabled) =>
        WorkerFunction.From(new RpcFunctionMetadata { Name = name, RawBindings = { binding } }) with { IsDisabled = disabled };

    private static WorkerFunction Timer(string name, bool disabled) =>
        Function(name, $$"""{"name":"timer","type":"timerTrigger","direction":"in","schedule":"{{Yearly}}"}""", disabled);

    private static FunctionInvoker Invoker(params WorkerFunction[] functions) =>
        new(new WorkerChannel("worker", NullLogger.Instance, null), functions);

    [Fact]
    public async Task TimerStart_FunctionDisabled_NotScheduledWhileTheOthersAre()
    {
        var invoker = Invoker(Timer("Disabled", disabled: true), Timer("Enabled", disabled: false));

        await using var timers = TimerTriggers.Start(invoker, new AppSettingResolver(new Dictionary<string, string>()), TimeProvider.System, NullLogger.Instance, store: null);

        Assert.Equal(["Enabled"], timers.FunctionNames);
    }

    [Fact]
    public void HttpRoutes_FunctionDisabled_StillMatchedAndDescribedAsDisabled()
    {
        var routes = new HttpTriggerRoutes(
            [Function("GetThing", """{"name":"req","type":"httpTrigger","direction":"in","route":"things","methods":["get"]}""", disabled: true)],
            "api");
        var request = new DefaultHttpContext().Request;
        request.Method = "GET";
        request.Path = "/api/things";

        // The route is the disabled function's (it shadows later routes, as in the host); the front answers it 404.
        Assert.True(routes.Match(request)?.IsDisabled);
        Assert.Equal(["GET /api/things -> GetThing (disabled)"], routes.Describe());
    }

    [Fact]
    public async Task BlobExecute_FunctionDisabled_MessageCompletedWithoutInvoking()
    {
        // With another Blob trigger enabled the host's shared queue runs; a message for the disabled one finds no
        // registered function and is completed (no worker is needed: nothing is invoked).
        var disabled = Function("Verify", """{"name":"blob","type":"blobTrigger","direction":"in","path":"uploads/{name}","source":"EventGrid"}""", disabled: true);
        var executor = new BlobTriggerExecutor(Invoker(disabled), new AppSettingResolver(new Dictionary<string, string>()), NullLogger.Instance);

        var done = await executor.ExecuteAsync(new BlobTriggerMessage("Host.Functions.Verify", "BlockBlob", "uploads", "a.pdf", "\"0x1\""), "message-1", CancellationToken.None);

        Assert.True(done);
        Assert.Equal(0, executor.Invocations);
    }
}
