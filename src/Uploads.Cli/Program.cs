using System.CommandLine;
using System.CommandLine.Help;
using Uploads.Cli;
using Uploads.Client;

var api = new Option<string?>("--api") { Description = "API base address (default: UPLOADS_API_BASE). The key is read from UPLOADS_API_KEY only.", Recursive = true };
var json = new Option<bool>("--json") { Description = "One JSON object per file on standard output (put: then a summary object), no progress.", Recursive = true };

var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Files, directories (with --recursive) or patterns (*, ?, ** for any depth; expanded here too when quoted)." };
var recursive = new Option<bool>("--recursive", "-r") { Description = "Upload every file under the directories named (hidden files and resume journals skipped)." };
var jobs = new Option<int>("--jobs", "-j") { Description = "Files uploaded at the same time.", DefaultValueFactory = _ => 4 };
var parallel = new Option<int>("--parallel") { Description = "Blocks in flight per file.", DefaultValueFactory = _ => 4 };
var direct = new Option<bool>("--direct") { Description = "Through the API's direct endpoint (at most 10 MB)." };
var presigned = new Option<bool>("--presigned") { Description = "As blocks to a presigned URL (resumable)." };
var wait = new Option<bool>("--wait") { Description = "Wait for each verdict." };
var contentType = new Option<string?>("--content-type") { Description = "The type to declare (default: the one the extension names), e.g. text/plain.", HelpName = "TYPE" };
var put = new Command("put", "Upload files (direct up to 10 MB, presigned blocks above, unless told), with a summary at the end.") { files, recursive, jobs, parallel, direct, presigned, contentType, wait };
// Ctrl+C cancels this token and the commands end themselves (put prints what was stored and exits 130), rather than
// System.CommandLine ending the process with 130 before anything is printed.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

put.SetAction((parse, _) => Commands.PutAsync(
    Commands.Settings(parse.GetValue(api), parse.GetValue(json)),
    new PutOptions(
        parse.GetValue(files)!,
        parse.GetValue(recursive),
        parse.GetValue(jobs),
        parse.GetValue(parallel),
        parse.GetValue(direct) ? UploadMode.Direct : parse.GetValue(presigned) ? UploadMode.Presigned : UploadMode.Auto,
        parse.GetValue(contentType),
        parse.GetValue(wait)),
    interrupted.Token));

var blobPath = new Argument<string>("BLOBPATH") { Description = "A blobPath you received." };
var statusWait = new Option<bool>("--wait") { Description = "Wait until it is verified or rejected." };
var status = new Command("status", "Show the verdict for a blob path.") { blobPath, statusWait };
status.SetAction((parse, _) => Commands.StatusAsync(Commands.Settings(parse.GetValue(api), true), parse.GetValue(blobPath)!, parse.GetValue(statusWait), interrupted.Token));

var urlFile = new Argument<string>("FILE") { Description = "The file an upload URL is for (checked first)." };
var urlContentType = new Option<string?>("--content-type") { Description = contentType.Description, HelpName = "TYPE" };
var url = new Command("url", "Request an upload URL for a file and print the answer as JSON.") { urlFile, urlContentType };
url.SetAction((parse, _) => Commands.UrlAsync(Commands.Settings(parse.GetValue(api), true), parse.GetValue(urlFile)!, parse.GetValue(urlContentType), interrupted.Token));

var getPath = new Argument<string>("BLOBPATH") { Description = "The blobPath of a verified upload of yours." };
var getOutput = new Option<string?>("--output", "-o") { Description = "Where to write the file (replaced); default: its name, in the current directory, which must not exist.", HelpName = "FILE" };
var get = new Command("get", "Download the verified content of an upload, its SHA-256 checked when the API gives one.") { getPath, getOutput };
get.SetAction((parse, _) => ReadingCommands.GetAsync(Commands.Settings(parse.GetValue(api), parse.GetValue(json)), parse.GetValue(getPath)!, parse.GetValue(getOutput), interrupted.Token));
var lsState = new Option<string?>("--state") { Description = "Only uploads in this state: pending, verified or rejected.", HelpName = "STATE" };
var ls = new Command("ls", "List your uploads: state, size, upload time, blob path.") { lsState };
ls.SetAction((parse, _) => ReadingCommands.ListAsync(Commands.Settings(parse.GetValue(api), parse.GetValue(json)), parse.GetValue(lsState), interrupted.Token));
var rmPath = new Argument<string>("BLOBPATH") { Description = "The blobPath of an upload of yours." };
var rm = new Command("rm", "Remove one of your uploads with its verified content.") { rmPath };
rm.SetAction((parse, _) => ReadingCommands.RemoveAsync(Commands.Settings(parse.GetValue(api), parse.GetValue(json)), parse.GetValue(rmPath)!, interrupted.Token));

// A plain command named as the tool is installed (RootCommand would take the assembly's name, Uploads.Cli), with
// RootCommand's help and version options.
var root = new Command(Commands.Name, "Upload files to the secure upload API.") { put, status, url, get, ls, rm };
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
root.Options.Add(api);
root.Options.Add(json);
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    foreach (var error in result.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    return ExitCodes.Usage;
}

if (parallelValue(result) < 1 || jobsValue(result) < 1 || (result.GetValue(direct) && result.GetValue(presigned)))
{
    await Console.Error.WriteLineAsync("--parallel and --jobs must be at least 1, and --direct and --presigned exclude each other.");
    return ExitCodes.Usage;
}

return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

int parallelValue(ParseResult parse) => parse.CommandResult.Command == put ? parse.GetValue(parallel) : 1;

int jobsValue(ParseResult parse) => parse.CommandResult.Command == put ? parse.GetValue(jobs) : 1;
