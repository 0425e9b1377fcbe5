using System.Net;
using Uploads.EndToEnd.Tests.Support;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// What the Functions host answers itself, outside the app's functions, as the emulator reproduces it (the real host
/// was run side by side with the built worker to pin these).
/// </summary>
public sealed class HostAnswersTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task GetRoot_HostsUpAndRunningPage()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync("/");

        // The host's home page (not a 404): 200, HTML, "Your Functions 4.0 app is up and running".
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Your Functions 4.0 app is up and running", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
