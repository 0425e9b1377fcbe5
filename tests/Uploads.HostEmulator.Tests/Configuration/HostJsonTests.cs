using Uploads.HostEmulator.Configuration;

namespace Uploads.HostEmulator.Tests.Configuration;

/// <summary>The HTTP route prefix of an app's <c>host.json</c>, as the host reads it.</summary>
public sealed class HostJsonTests
{
    [Theory]
    [InlineData(null, "api")]
    [InlineData("""{ "version": "2.0" }""", "api")]
    [InlineData("""{ "extensions": { "http": { "routePrefix": "/v1/" } } }""", "v1")]
    [InlineData("""{ "extensions": { "http": { "routePrefix": "" } } }""", "")]
    [InlineData("""{ /* comment */ "extensions": { "http": { "routePrefix": "x", }, }, }""", "x")]
    public void RoutePrefix_HostJson_AsTheHostReadsIt(string? hostJson, string expected)
    {
        var app = Directory.CreateTempSubdirectory("emulator-host-json-");
        try
        {
            if (hostJson is not null)
            {
                File.WriteAllText(Path.Combine(app.FullName, "host.json"), hostJson);
            }

            Assert.Equal(expected, HostJson.RoutePrefix(app.FullName));
        }
        finally
        {
            app.Delete(recursive: true);
        }
    }
}
