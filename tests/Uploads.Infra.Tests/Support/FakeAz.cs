namespace Uploads.Infra.Tests.Support;

/// <summary>
/// A folder to put first on PATH for a hook dry run against "Azure": an <c>az</c> that answers the calls the
/// postdeploy hook makes, from a script of provisioning states, and a <c>sleep</c> that returns at once.
/// Every call is logged (<see cref="Calls"/>); the body of each PUT is kept (<see cref="Bodies"/>).
/// </summary>
/// <remarks>
/// Each <c>az rest</c> call that asks for <c>properties.provisioningState</c> (the PUT, then every GET poll) takes the
/// next line of <paramref name="restAnswers"/>: a state (Accepted, Creating, Succeeded, Failed, AwaitingManualAction...)
/// or <c>ERROR</c>, for which az prints an Azure error on stderr and exits 1, as az does for a 4xx.
/// A GET with <c>--output json</c> answers the last state as Azure's JSON, without consuming a line.
/// </remarks>
internal sealed class FakeAz : IDisposable
{
    public const string BlobsExtensionKey = "fakeBlobsKey_0123-abc==";
    public const string AzureErrorMessage = "fake Azure error: the subscription is not valid";

    private const string AzScript = """
        #!/bin/sh
        # Fake Azure CLI written by the infrastructure tests (tests/Uploads.Infra.Tests/Support/FakeAz.cs).
        dir=$(dirname "$0")
        printf '%s\n' "$*" >>"$dir/calls"
        case "$1 $2" in
          "account show")
            if [ -f "$dir/signed-out" ]; then
              echo "ERROR: Please run 'az login' to setup account." >&2
              exit 1
            fi
            exit 0 ;;
          "functionapp keys")
            echo "__KEY__"
            exit 0 ;;
          "rest --method") ;;
          *)
            echo "fake az: unexpected call: $*" >&2
            exit 2 ;;
        esac
        case "$*" in
          *"--output json"*)
            printf '{\n  "provisioningState": "%s",\n  "endpointBaseUrl": "https://func-api-abc.azurewebsites.net/runtime/webhooks/blobs"\n}\n' "$(cat "$dir/last-state")"
            exit 0 ;;
        esac
        if [ "$3" = put ]; then
          previous=''
          for argument in "$@"; do
            if [ "$previous" = --body ]; then
              n=$(ls "$dir" | grep -c '^body-')
              cp "${argument#@}" "$dir/body-$n.json"
              printf '%s\n' "${argument#@}" >>"$dir/body-paths"
            fi
            previous=$argument
          done
        fi
        count=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
        echo "$count" >"$dir/count"
        answer=$(sed -n "${count}p" "$dir/answers")
        if [ -z "$answer" ]; then
          echo "fake az: no answer left for call $count: $*" >&2
          exit 2
        fi
        if [ "$answer" = ERROR ]; then
          echo 'ERROR: Bad Request({"error":{"code":"InvalidRequest","message":"__ERROR__"}})' >&2
          exit 1
        fi
        echo "$answer" >"$dir/last-state"
        echo "$answer"
        """;

    private const string SleepScript = """
        #!/bin/sh
        printf 'sleep %s\n' "$*" >>"$(dirname "$0")/calls"
        """;

    public FakeAz(IEnumerable<string> restAnswers, bool signedIn = true)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("uploads-fake-az-").FullName;
        Write("az", AzScript.Replace("__KEY__", BlobsExtensionKey, StringComparison.Ordinal).Replace("__ERROR__", AzureErrorMessage, StringComparison.Ordinal) + "\n", executable: true);
        Write("sleep", SleepScript + "\n", executable: true);
        Write("answers", string.Concat(restAnswers.Select(a => a + "\n")), executable: false);
        if (!signedIn)
        {
            Write("signed-out", string.Empty, executable: false);
        }
    }

    public string Directory { get; }

    /// <summary>PATH with the fake first.</summary>
    public string PathVariable => Directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

    /// <summary>Every az and sleep call, one line each, arguments joined by spaces.</summary>
    public IReadOnlyList<string> Calls => ReadLines("calls");

    public IReadOnlyList<string> RestCalls(string method) =>
        Calls.Where(c => c.StartsWith($"rest --method {method} ", StringComparison.Ordinal)).ToList();

    /// <summary>The bodies of the PUTs, in order.</summary>
    public IReadOnlyList<string> Bodies =>
        System.IO.Directory.EnumerateFiles(Directory, "body-*.json").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();

    /// <summary>Where the hook kept each PUT body while az ran.</summary>
    public IReadOnlyList<string> BodyPaths => ReadLines("body-paths");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private List<string> ReadLines(string name)
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? [.. File.ReadAllLines(path)] : [];
    }

    private void Write(string name, string content, bool executable)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (executable)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
