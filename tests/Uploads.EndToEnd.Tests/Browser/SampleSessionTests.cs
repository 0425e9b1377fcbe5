using System.Buffers.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Uploads.BrowserSample;

namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>
/// The browser sample's session ids (<see cref="SessionIds"/>: issued and signed by the server only) and its owner
/// table (<see cref="UploadOwners"/>: records expire, and there are never more than the cap), in process, on a fake clock.
/// </summary>
public sealed class SampleSessionTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static SessionIds Ids(string? key = null) => new(Options.Create(new SampleSessionOptions { Key = key }));

    private static UploadOwners Owners(FakeTimeProvider time, TimeSpan? lifetime = null, int maxOwners = 100) =>
        new(Options.Create(new SampleSessionOptions { OwnerLifetime = lifetime ?? TimeSpan.FromHours(1), MaxOwners = maxOwners }), time);

    [Fact]
    public void Verify_IssuedValue_TheIssuedId()
    {
        var ids = Ids();

        var (id, value) = ids.Issue();

        Assert.Equal(id, ids.Verify(value));
        Assert.NotEqual(id, ids.Issue().Id);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")] // what the sample accepted before: any 32 characters
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well formed, not signed here
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a.b.c")]
    [InlineData("not base64!.not base64!")]
    public void Verify_MadeUpValue_Null(string value) => Assert.Null(Ids().Verify(value));

    [Fact]
    public void Verify_TamperedIdOrMac_Null()
    {
        var ids = Ids();
        var (_, value) = ids.Issue();
        var (idText, macText) = (value.Split('.')[0], value.Split('.')[1]);
        var otherId = Base64Url.EncodeToString(new byte[16]);

        Assert.Null(ids.Verify(otherId + "." + macText)); // another id under a real signature
        Assert.Null(ids.Verify(idText + "." + Flip(macText))); // the signature altered
        Assert.Null(ids.Verify(Flip(idText) + "." + macText)); // the id altered
        Assert.Null(ids.Verify(value + "A"));
    }

    [Fact]
    public void Verify_ValueSignedUnderAnotherKey_Null()
    {
        var (_, value) = Ids(Key).Issue();

        Assert.Null(Ids().Verify(value));
        Assert.NotNull(Ids(Key).Verify(value)); // the same configured key (another instance, a restart) verifies it
    }

    [Theory]
    [InlineData("c2hvcnQ=")] // 5 bytes
    [InlineData("not base64")]
    public void Construct_KeyShorterThan32BytesOrNotBase64_Refused(string key)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Ids(key));

        Assert.Contains("at least 32 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Owns_SessionThatAskedAnotherOrUnknownPath_OnlyTheAsker()
    {
        var owners = Owners(new FakeTimeProvider());

        owners.Remember("alice", "acme/1/a.png");

        Assert.True(owners.Owns("alice", "acme/1/a.png"));
        Assert.False(owners.Owns("bob", "acme/1/a.png"));
        Assert.False(owners.Owns("alice", "acme/2/b.png"));
    }

    [Fact]
    public void Owns_LifetimeOver_ForgottenAndDropped()
    {
        var time = new FakeTimeProvider();
        var owners = Owners(time, TimeSpan.FromHours(1));
        owners.Remember("alice", "acme/1/a.png");
        time.Advance(TimeSpan.FromMinutes(30));
        owners.Remember("alice", "acme/2/b.png");

        time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromTicks(1));
        Assert.True(owners.Owns("alice", "acme/1/a.png"));

        time.Advance(TimeSpan.FromTicks(1));
        Assert.False(owners.Owns("alice", "acme/1/a.png"));
        Assert.True(owners.Owns("alice", "acme/2/b.png"));
        Assert.Equal(1, owners.Count);

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.False(owners.Owns("alice", "acme/2/b.png"));
        Assert.Equal(0, owners.Count);
    }

    [Fact]
    public void Remember_PastTheCap_OldestForgottenCountStaysAtTheCap()
    {
        var owners = Owners(new FakeTimeProvider(), maxOwners: 3);

        for (var i = 0; i < 1000; i++)
        {
            owners.Remember("mallory", $"acme/{i}/f.png");
            Assert.True(owners.Count <= 3, $"{owners.Count} records after {i + 1}");
        }

        Assert.Equal(3, owners.Count);
        Assert.False(owners.Owns("mallory", "acme/996/f.png"));
        Assert.True(owners.Owns("mallory", "acme/997/f.png"));
        Assert.True(owners.Owns("mallory", "acme/999/f.png"));
    }

    [Fact]
    public void Remember_SamePathAgain_OneRecordTheLaterOwner()
    {
        var time = new FakeTimeProvider();
        var owners = Owners(time, TimeSpan.FromHours(1), maxOwners: 2);
        owners.Remember("alice", "acme/1/a.png");
        time.Advance(TimeSpan.FromMinutes(50));
        owners.Remember("bob", "acme/1/a.png");
        owners.Remember("bob", "acme/2/b.png");

        time.Advance(TimeSpan.FromMinutes(20)); // past the first record's expiry, not the second's

        Assert.Equal(2, owners.Count);
        Assert.True(owners.Owns("bob", "acme/1/a.png"));
        Assert.False(owners.Owns("alice", "acme/1/a.png"));
    }

    private static string Flip(string text) => (text[0] == 'A' ? 'B' : 'A') + text[1..];
}
