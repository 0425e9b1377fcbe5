using Microsoft.Extensions.Options;
using Uploads.BrowserSample;

// The browser upload sample: the page (wwwroot) and the backend it talks to. The backend is the pattern to copy:
// authenticate your own user, then call the upload API with the API key, which stays on the server; the browser
// gets only upload URLs for its own uploads and their verdicts.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// The CLI's variables work here too: UPLOADS_API_BASE and UPLOADS_API_KEY.
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["UploadsApi:BaseAddress"] = builder.Configuration["UploadsApi:BaseAddress"] ?? Environment.GetEnvironmentVariable("UPLOADS_API_BASE"),
    ["UploadsApi:Key"] = builder.Configuration["UploadsApi:Key"] ?? Environment.GetEnvironmentVariable("UPLOADS_API_KEY"),
});
builder.Services.AddOptions<UploadsApiOptions>().BindConfiguration(UploadsApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<LocalStorageCorsOptions>().BindConfiguration(LocalStorageCorsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddHttpClient<UploadsApi>((services, http) =>
{
    var options = services.GetRequiredService<IOptions<UploadsApiOptions>>().Value;
    http.BaseAddress = options.BaseAddress;
    http.DefaultRequestHeaders.Add("X-API-Key", options.Key);
});
builder.Services.AddOptions<SampleSessionOptions>().BindConfiguration(SampleSessionOptions.Section).ValidateDataAnnotations()
    .Validate(o => o.Key is null || o.DecodedKey() is not null, SampleSessionOptions.KeyError).ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<SessionIds>();
builder.Services.AddSingleton<UploadOwners>();
builder.Services.AddSingleton<SampleUsers>();
builder.Services.AddHostedService<LocalStorageCors>();

var app = builder.Build();
var users = app.Services.GetRequiredService<SampleUsers>();
app.Use(users.Middleware);
app.UseDefaultFiles();
app.UseStaticFiles();
Routes.Map(app);
app.Run();
