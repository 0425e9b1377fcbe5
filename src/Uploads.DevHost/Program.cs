using Uploads.Core.Security;
using Uploads.DevHost;

// dotnet run --project src/Uploads.DevHost -- mint-key <clientId>
if (args is ["mint-key", var clientId, ..])
{
    var minted = ApiKeyMinter.Mint();
    var check = new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Clients = { [clientId] = minted.Sha256Hex } });
    if (check.Failed)
    {
        Console.Error.WriteLine(check.FailureMessage);
        return 2;
    }

    Console.WriteLine($"API key for {clientId} (give it to the client once; it is not stored): {minted.Key}");
    Console.WriteLine($"Configuration (app setting):  ApiKeys__Clients__{clientId}={minted.Sha256Hex}");
    return 0;
}

var contentRoot = args.SkipWhile(a => a != "--content-root").Skip(1).FirstOrDefault() ?? FindRepositoryRoot();
var app = DevHostApp.Build(args, contentRoot);
await app.RunAsync().ConfigureAwait(false);
return 0;

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "host.json")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
