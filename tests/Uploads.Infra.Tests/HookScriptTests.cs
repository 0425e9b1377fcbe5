using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// The azd hook and the API-client script: shellcheck, and dry runs whose output is checked
/// (the Event Grid subscription request, the Key Vault secret and app setting of a new client).
/// </summary>
public sealed class HookScriptTests
{
    private static readonly Dictionary<string, string?> HookEnvironment = new(StringComparer.Ordinal)
    {
        ["AZURE_SUBSCRIPTION_ID"] = "00000000-0000-0000-0000-000000000001",
        ["AZURE_RESOURCE_GROUP"] = "rg-test",
        ["AZURE_FUNCTION_APP_NAME"] = "func-api-abc",
        ["AZURE_FUNCTION_APP_URL"] = "https://func-api-abc.azurewebsites.net",
        ["AZURE_BLOB_TRIGGER_FUNCTION_NAME"] = "VerifyUpload",
        ["AZURE_UPLOADS_SYSTEM_TOPIC_NAME"] = "egst-uploads-abc",
        ["AZURE_UPLOADS_CONTAINER_NAME"] = "uploads",
        ["AZURE_UPLOADS_STORAGE_ACCOUNT_ID"] = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/stupabc",
        ["AZURE_DEADLETTER_CONTAINER_NAME"] = "eventgrid-deadletter",
        ["UPLOADS_HOOK_DRY_RUN"] = "1",
    };

    public static TheoryData<string> ShellScripts() => [.. ShellScriptPaths()];

    private static IEnumerable<string> ShellScriptPaths() =>
        Directory.EnumerateFiles(Repo.Path("scripts"), "*.sh")
            .Append(Repo.Path(".ci/run"))
            .Select(file => Path.GetRelativePath(Repo.Root, file))
            .Order(StringComparer.Ordinal);

    /// <summary>The azd hooks and the client script run wherever azd does: POSIX sh. Developer scripts may use bash.</summary>
    private static readonly string[] PosixScripts = ["scripts/post-deploy.sh", "scripts/add-api-client.sh"];

    private static string Dialect(string script) =>
        File.ReadAllText(Repo.Path(script)).StartsWith("#!/bin/sh\n", StringComparison.Ordinal) ? "sh" : "bash";

    [Theory]
    [MemberData(nameof(ShellScripts))]
    public void Shellcheck_ShellScript_NoFindings(string script)
    {
        var shellcheck = ProcessRunner.Which("shellcheck");
        Assert.True(shellcheck is not null, "shellcheck is not installed: apt-get install shellcheck (CI installs it in .ci/run).");

        var result = ProcessRunner.Run(shellcheck, [$"--shell={Dialect(script)}", "--severity=style", "--external-sources", Repo.Path(script)]);

        Assert.True(result.ExitCode == 0, $"shellcheck {script}:\n{result.Combined}");
    }

    [Fact]
    public void Shellcheck_ScriptWithBashism_Reports()
    {
        // shellcheck really runs: a bash-only construct in a POSIX sh script is a finding.
        var shellcheck = ProcessRunner.Which("shellcheck");
        Assert.True(shellcheck is not null, "shellcheck is not installed: apt-get install shellcheck (CI installs it in .ci/run).");
        var file = Path.Combine(Directory.CreateTempSubdirectory("uploads-infra-sh-").FullName, "bad.sh");
        File.WriteAllText(file, "#!/bin/sh\nif [[ -n $1 ]]; then echo $1; fi\n");

        var result = ProcessRunner.Run(shellcheck, ["--shell=sh", file]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SC3010", result.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public void ShellScripts_AllExecutableHooksPosix()
    {
        foreach (var script in ShellScriptPaths())
        {
            var text = File.ReadAllText(Repo.Path(script));
            Assert.True(text.StartsWith("#!/bin/sh\n", StringComparison.Ordinal) || text.StartsWith("#!/usr/bin/env bash\n", StringComparison.Ordinal), $"{script}: shebang");
            Assert.True((File.GetUnixFileMode(Repo.Path(script)) & UnixFileMode.UserExecute) != 0, $"{script} is not executable (git update-index --chmod=+x).");
        }

        foreach (var script in PosixScripts)
        {
            Assert.Equal("sh", Dialect(script));
        }
    }

    [Fact]
    public void PostDeploy_DryRun_PutsBlobCreatedSubscriptionForTheUploadsContainer()
    {
        var result = RunSh("scripts/post-deploy.sh", [], HookEnvironment);
        Assert.True(result.ExitCode == 0, result.Combined);

        var (method, url, body) = ParseRequest(result.StandardOutput);
        Assert.Equal("PUT", method);
        Assert.Equal(
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.EventGrid/systemTopics/egst-uploads-abc/eventSubscriptions/verify-upload-blob-created?api-version=2025-02-15",
            url);

        var properties = body["properties"]!;
        Assert.Equal("WebHook", (string?)properties["destination"]!["endpointType"]);
        Assert.Equal(
            "https://func-api-abc.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload&code=DRY-RUN-BLOBS-EXTENSION-KEY",
            (string?)properties["destination"]!["properties"]!["endpointUrl"]);

        var filter = properties["filter"]!;
        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("/blobServices/default/containers/uploads/", (string?)filter["subjectBeginsWith"]);
        Assert.True((bool)filter["isSubjectCaseSensitive"]!);
        Assert.Equal("EventGridSchema", (string?)properties["eventDeliverySchema"]);
    }

    [Fact]
    public void PostDeploy_DryRun_RetriesThenDeadLettersWithTheTopicIdentity()
    {
        var result = RunSh("scripts/post-deploy.sh", [], HookEnvironment);
        var properties = ParseRequest(result.StandardOutput).Body["properties"]!;

        var retry = properties["retryPolicy"]!;
        Assert.Equal(30, (int)retry["maxDeliveryAttempts"]!);
        Assert.Equal(1440, (int)retry["eventTimeToLiveInMinutes"]!);

        // Shared keys are off on the account: dead letters are written with the system topic's identity.
        Assert.Null(properties["deadLetterDestination"]);
        var deadLetter = properties["deadLetterWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", (string?)deadLetter["identity"]!["type"]);
        Assert.Equal("StorageBlob", (string?)deadLetter["deadLetterDestination"]!["endpointType"]);
        Assert.Equal(HookEnvironment["AZURE_UPLOADS_STORAGE_ACCOUNT_ID"], (string?)deadLetter["deadLetterDestination"]!["properties"]!["resourceId"]);
        Assert.Equal("eventgrid-deadletter", (string?)deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]);
    }

    [Fact]
    public void PostDeploy_DryRunTwice_SameRequest()
    {
        // Idempotent: a PUT of the same body, whatever ran before.
        var first = RunSh("scripts/post-deploy.sh", [], HookEnvironment);
        var second = RunSh("scripts/post-deploy.sh", [], HookEnvironment);

        Assert.Equal(first.StandardOutput, second.StandardOutput);
        Assert.StartsWith("PUT ", first.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void PostDeploy_MissingEnvironment_FailsNamingTheVariable()
    {
        var environment = new Dictionary<string, string?>(HookEnvironment, StringComparer.Ordinal);
        environment.Remove("AZURE_UPLOADS_SYSTEM_TOPIC_NAME");

        var result = RunSh("scripts/post-deploy.sh", [], environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AZURE_UPLOADS_SYSTEM_TOPIC_NAME is not set", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("PUT", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_ValueThatWouldBreakTheJson_Refused(string hook)
    {
        var environment = new Dictionary<string, string?>(HookEnvironment, StringComparer.Ordinal)
        {
            ["AZURE_UPLOADS_CONTAINER_NAME"] = "uploads\",\"x\":\"",
        };

        var result = RunHook(hook, environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AZURE_UPLOADS_CONTAINER_NAME has unexpected characters", result.StandardError, StringComparison.Ordinal);
    }

    public static TheoryData<string> PostDeployHooks() => ["scripts/post-deploy.sh", "scripts/post-deploy.ps1"];

    [Fact]
    public void PostDeployPowerShell_DryRun_SameRequestAsTheShellScript()
    {
        var shell = RunHook("scripts/post-deploy.sh", HookEnvironment);
        var powershell = RunHook("scripts/post-deploy.ps1", HookEnvironment);
        Assert.True(powershell.ExitCode == 0, powershell.Combined);

        var (shMethod, shUrl, shBody) = ParseRequest(shell.StandardOutput);
        var (psMethod, psUrl, psBody) = ParseRequest(powershell.StandardOutput.ReplaceLineEndings("\n"));
        Assert.Equal(shMethod, psMethod);
        Assert.Equal(shUrl, psUrl);
        Assert.True(JsonNode.DeepEquals(shBody, psBody), $"sh:\n{shBody}\npwsh:\n{psBody}");
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_EnvironmentNameWithUnderscoreAndParentheses_Accepted(string hook)
    {
        // azd environment names match ^[a-zA-Z0-9-\(\)_\.]{1,64}$; the resource group is rg-<env>.
        var environment = new Dictionary<string, string?>(HookEnvironment, StringComparer.Ordinal)
        {
            ["AZURE_RESOURCE_GROUP"] = "rg-my_env(2).x",
            ["AZURE_UPLOADS_STORAGE_ACCOUNT_ID"] = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-my_env(2).x/providers/Microsoft.Storage/storageAccounts/stupabc",
        };

        var result = RunHook(hook, environment);

        Assert.True(result.ExitCode == 0, result.Combined);
        var (_, url, body) = ParseRequest(result.StandardOutput.ReplaceLineEndings("\n"));
        Assert.StartsWith("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-my_env(2).x/providers/Microsoft.EventGrid/", url, StringComparison.Ordinal);
        Assert.Equal(environment["AZURE_UPLOADS_STORAGE_ACCOUNT_ID"], (string?)body["properties"]!["deadLetterWithResourceIdentity"]!["deadLetterDestination"]!["properties"]!["resourceId"]);
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_AcceptedThenSucceeded_WaitsForSucceededAndExitsZero(string hook)
    {
        using var az = new FakeAz(["Accepted", "Creating", "Succeeded"]);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Single(az.RestCalls("put"));
        Assert.Equal(2, az.RestCalls("get").Count);
        Assert.Contains("provisioningState Succeeded", result.StandardOutput, StringComparison.Ordinal);
        // The real request: the key in the body (a private temporary file, removed afterwards), never on a command line.
        var body = JsonNode.Parse(Assert.Single(az.Bodies))!;
        Assert.EndsWith($"&code={FakeAz.BlobsExtensionKey}", (string?)body["properties"]!["destination"]!["properties"]!["endpointUrl"], StringComparison.Ordinal);
        Assert.DoesNotContain(az.Calls, c => c.Contains(FakeAz.BlobsExtensionKey, StringComparison.Ordinal));
        Assert.All(az.BodyPaths, p => Assert.False(File.Exists(p), $"{p} was left behind"));
        // az is asked for the key of the azd environment's subscription, not whatever az has selected.
        Assert.Contains(az.Calls, c => c.StartsWith("functionapp keys list --subscription 00000000-0000-0000-0000-000000000001 ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_AcceptedThenFailedEveryTime_FailsLoudlyWithAzuresAnswer(string hook)
    {
        using var az = new FakeAz(["Accepted", "Failed", "Accepted", "Failed", "Creating", "Failed"]);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(3, az.RestCalls("put").Count);
        Assert.Contains("\"provisioningState\": \"Failed\"", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("failed 3 times", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("delivers BlobCreated events", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_FailedOnceThenSucceeded_RetriesThePut(string hook)
    {
        // A cold instance can miss the first validation handshake: the idempotent PUT is sent again.
        using var az = new FakeAz(["Creating", "Failed", "Creating", "Succeeded"]);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Equal(2, az.RestCalls("put").Count);
        Assert.Contains("provisioningState 'Failed'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(az.Calls, c => c == "sleep 20");
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_AwaitingManualAction_FailsWithoutRetrying(string hook)
    {
        using var az = new FakeAz(["Creating", "AwaitingManualAction"]);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(az.RestCalls("put"));
        Assert.Contains("AwaitingManualAction", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("validation handshake", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_PutRejectedByAzure_ShowsAzuresError(string hook)
    {
        using var az = new FakeAz(["ERROR", "ERROR", "ERROR"]);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(3, az.RestCalls("put").Count);
        Assert.Contains(FakeAz.AzureErrorMessage, result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PostDeployHooks))]
    public void PostDeploy_AzNotSignedIn_FailsAtOnceWithAzsMessage(string hook)
    {
        using var az = new FakeAz([], signedIn: false);

        var result = RunHook(hook, AgainstFakeAz(az));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("az login", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(az.Calls, c => c.StartsWith("functionapp", StringComparison.Ordinal) || c.StartsWith("rest", StringComparison.Ordinal) || c.StartsWith("sleep", StringComparison.Ordinal));
    }

    private static Dictionary<string, string?> AgainstFakeAz(FakeAz az)
    {
        var environment = new Dictionary<string, string?>(HookEnvironment, StringComparer.Ordinal)
        {
            ["PATH"] = az.PathVariable,
        };
        environment.Remove("UPLOADS_HOOK_DRY_RUN");
        return environment;
    }

    /// <summary>Runs a postdeploy hook as azd would: the .sh with sh, the .ps1 with pwsh (PowerShell 7).</summary>
    private static ProcessResult RunHook(string hook, IReadOnlyDictionary<string, string?> environment) =>
        hook.EndsWith(".ps1", StringComparison.Ordinal)
            ? ProcessRunner.Run(Pwsh, ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", Repo.Path(hook)], environment, clearEnvironment: true)
            : RunSh(hook, [], environment);

    /// <summary>pwsh on PATH, or the PowerShell dotnet tool that .ci/run installs into .tools/.</summary>
    private static string Pwsh
    {
        get
        {
            var pwsh = ProcessRunner.Which("pwsh") ?? Repo.Path(".tools", "pwsh");
            Assert.True(File.Exists(pwsh), "pwsh is not installed: .ci/run installs it (dotnet tool install --tool-path .tools PowerShell).");
            return pwsh;
        }
    }

    [Fact]
    public void AddApiClient_DryRun_StoresOnlyTheSha256OfThePrintedKey()
    {
        var result = RunSh("scripts/add-api-client.sh", ["acme_corp"], ClientEnvironment("web"));
        Assert.True(result.ExitCode == 0, result.Combined);

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var key = lines[^1];
        // The form ApiKeyMinter gives every key: upk_ and 43 base64url characters.
        Assert.Matches("^upk_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(Uploads.Core.Security.ApiKeyMinter.Mint().Key.Length, key.Length);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

        Assert.Contains(
            $"would run: az keyvault secret set --vault-name kv-test --name apikey-acme-corp --value {hash} --content-type text/plain; sha256-hex --output none",
            lines);
        Assert.Contains("would run: azd env set API_CLIENT_IDS web,acme_corp", lines);
        Assert.Contains(
            "would run: az functionapp config appsettings set --resource-group rg-test --name func-api-abc --settings ApiKeys__Clients__acme_corp=@Microsoft.KeyVault(VaultName=kv-test;SecretName=apikey-acme-corp) --output none",
            lines);
        // The key itself is printed once, and never handed to a command.
        Assert.Single(lines, l => l.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void AddApiClient_TwoRuns_DifferentKeys()
    {
        var first = RunSh("scripts/add-api-client.sh", ["one"], ClientEnvironment(""));
        var second = RunSh("scripts/add-api-client.sh", ["one"], ClientEnvironment(""));

        Assert.NotEqual(first.StandardOutput.Split('\n')[^2], second.StandardOutput.Split('\n')[^2]);
        Assert.Contains("would run: azd env set API_CLIENT_IDS one", first.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad-id")]
    [InlineData("Upper")]
    [InlineData("a__b")]
    [InlineData("_a")]
    [InlineData("a_")]
    [InlineData("a.b")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("a;rm")]
    public void AddApiClient_InvalidClientId_RefusedBeforeAnyChange(string clientId)
    {
        var result = RunSh("scripts/add-api-client.sh", [clientId], ClientEnvironment(""));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("invalid client id", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("would run", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void AddApiClient_ExistingClient_Refused()
    {
        var result = RunSh("scripts/add-api-client.sh", ["acme"], ClientEnvironment("web,acme"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("already exists", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void AddApiClient_SecretAndSettingNames_MatchTheTemplate()
    {
        // infra/app/api.bicep and both scripts map client ids to secret names the same way.
        var bicep = Repo.ReadAllText("infra", "app", "api.bicep");
        var shell = Repo.ReadAllText("scripts", "add-api-client.sh");
        var powershell = Repo.ReadAllText("scripts", "add-api-client.ps1");

        Assert.Contains("SecretName=apikey-${replace(clientId, '_', '-')}", bicep, StringComparison.Ordinal);
        Assert.Contains("secret_name=\"apikey-$(printf '%s' \"$client_id\" | tr '_' '-')\"", shell, StringComparison.Ordinal);
        Assert.Contains("$secretName = 'apikey-' + $ClientId.Replace('_', '-')", powershell, StringComparison.Ordinal);
        Assert.Contains("ApiKeys__Clients__$ClientId=@Microsoft.KeyVault(VaultName=$vault;SecretName=$secretName)", powershell, StringComparison.Ordinal);
        // One client-id rule: both scripts spell the pattern of ClientIdRule (the validator's), and its length.
        Assert.Contains($"grep -Eq '{Uploads.Core.Security.ClientIdRule.Pattern}'", shell, StringComparison.Ordinal);
        Assert.Contains($"-gt {Uploads.Core.Security.ClientIdRule.MaxLength} ]", shell, StringComparison.Ordinal);
        Assert.Contains($"-cnotmatch '{Uploads.Core.Security.ClientIdRule.Pattern}'", powershell, StringComparison.Ordinal);
        Assert.Contains($"-gt {Uploads.Core.Security.ClientIdRule.MaxLength})", powershell, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("acme_corp")]
    [InlineData("a1_b2_c3")]
    [InlineData("acme-corp")]
    [InlineData("Acme")]
    [InlineData("a__b")]
    [InlineData("_a")]
    [InlineData("a_")]
    [InlineData("x123456789012345678901234567890123456789012345678901234567890ab")]
    [InlineData("x123456789012345678901234567890123456789012345678901234567890abc")]
    public void AddApiClient_ClientId_SameVerdictAsTheAppsValidator(string clientId)
    {
        var result = RunSh("scripts/add-api-client.sh", [clientId], ClientEnvironment(""));
        var validator = new Uploads.Core.Security.ApiKeyOptionsValidator().Validate(
            null, new Uploads.Core.Configuration.ApiKeyOptions { Clients = { [clientId] = new string('a', 64) } });

        Assert.Equal(validator.Succeeded, result.ExitCode == 0);
        Assert.Equal(Uploads.Core.Security.ClientIdRule.IsValid(clientId), validator.Succeeded);
    }

    private static Dictionary<string, string?> ClientEnvironment(string existingIds) => new(StringComparer.Ordinal)
    {
        ["ADD_API_CLIENT_DRY_RUN"] = "1",
        ["AZURE_VAULT_NAME"] = "kv-test",
        ["AZURE_RESOURCE_GROUP"] = "rg-test",
        ["AZURE_FUNCTION_APP_NAME"] = "func-api-abc",
        ["API_CLIENT_IDS"] = existingIds,
    };

    private static ProcessResult RunSh(string script, string[] arguments, IReadOnlyDictionary<string, string?> environment) =>
        ProcessRunner.Run("sh", [Repo.Path(script), .. arguments], environment, clearEnvironment: true);

    private static (string Method, string Url, JsonNode Body) ParseRequest(string output)
    {
        var newline = output.IndexOf('\n', StringComparison.Ordinal);
        var requestLine = output[..newline].Split(' ');
        return (requestLine[0], requestLine[1], JsonNode.Parse(output[(newline + 1)..])!);
    }
}
