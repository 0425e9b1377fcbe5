using Uploads.Core.Configuration;
using Uploads.Core.Security;

// scripts/mint-key.sh <clientId> runs the build of scripts/run-local.sh; dotnet run --project src/Uploads.Admin -- mint-key <clientId> builds first.
var usage = $"""
    Usage: scripts/mint-key.sh <clientId>   (or: dotnet run --project src/Uploads.Admin -- mint-key <clientId>)
      Mints an API key for <clientId> ({ClientIdRule.Description}) and prints it once, with the app
      setting that configures its SHA-256 hash (the key itself is never stored).
    """;

if (args is not ["mint-key", var clientId])
{
    Console.Error.WriteLine(usage);
    return args is ["-h" or "--help"] ? 0 : 2;
}

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
