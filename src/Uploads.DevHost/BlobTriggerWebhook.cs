using System.Reflection;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Storage;

namespace Uploads.DevHost;

/// <summary>
/// The Functions host's Event Grid endpoint for Blob triggers with <c>Source = EventGrid</c>,
/// <c>POST /runtime/webhooks/blobs?functionName=Host.Functions.&lt;Name&gt;</c>, served in-process: it answers the
/// subscription validation handshake and runs the trigger's function for each <c>Microsoft.Storage.BlobCreated</c>
/// event of its container, so the Event Grid path can be exercised locally (see test.http) and in tests.
/// </summary>
internal static class BlobTriggerWebhook
{
    public const string Path = "/runtime/webhooks/blobs";

    public static IEndpointRouteBuilder MapBlobTriggers(this IEndpointRouteBuilder routes, Assembly assembly)
    {
        var functions = (from type in assembly.GetTypes()
                         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                         let function = method.GetCustomAttribute<FunctionAttribute>()
                         where function is not null
                         let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<BlobTriggerAttribute>()).FirstOrDefault(a => a is not null)
                         where trigger is not null && trigger.Source == BlobTriggerSource.EventGrid
                         select (Name: "Host.Functions." + function.Name, Method: method))
            .ToDictionary(f => f.Name, f => f.Method, StringComparer.Ordinal);

        routes.MapPost(Path, async (HttpContext http, UploadContainers containers) =>
        {
            if (!functions.TryGetValue(http.Request.Query["functionName"].ToString(), out var method))
            {
                return Results.NotFound();
            }

            var events = EventGridEvent.ParseMany(await BinaryData.FromStreamAsync(http.Request.Body, http.RequestAborted).ConfigureAwait(false));
            foreach (var eventGridEvent in events)
            {
                if (eventGridEvent.TryGetSystemEventData(out var data) && data is SubscriptionValidationEventData validation)
                {
                    return Results.Ok(new SubscriptionValidationResponse { ValidationResponse = validation.ValidationCode });
                }

                if (data is StorageBlobCreatedEventData created)
                {
                    var uri = new BlobUriBuilder(new Uri(created.Url));
                    if (uri.BlobContainerName != containers.Uploads.Name)
                    {
                        continue;
                    }

                    var instance = ActivatorUtilities.CreateInstance(http.RequestServices, method.DeclaringType!);
                    await ((Task)method.Invoke(instance, [containers.Uploads.GetBlobClient(uri.BlobName), http.RequestAborted])!).ConfigureAwait(false);
                }
            }

            return Results.Accepted();
        });
        return routes;
    }
}
