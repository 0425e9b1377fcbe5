using Uploads.Adversarial;
using Uploads.Sniffing.ActiveContent.Pdf;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// The crafted encrypted PDFs of <see cref="PdfEncryptionShapes"/> (the key last, everything before it held, then
/// decrypted) are refused for their content, or as unverifiable past what the scanner holds, at a cost linear in
/// their size and well under the check's budget, with the same verdict streamed; asserted through
/// <see cref="WorkBudget.Spent"/>, never through time.
/// </summary>
public sealed class PdfEncryptionCostTests
{
    public static TheoryData<int> Sizes => [4 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_ManyEncryptedLinks_EachDecryptedOnceAtLinearCost(int size)
    {
        var (detected, budget, length) = await SniffAsync("pdf-encrypted-many-links", size);

        Assert.Contains("PDF link runs a script through a javascript: address (/URI)", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < (WorkBudget.BaseUnits / 8) + (8L * length), $"{budget.Spent} for {length} bytes");
    }

    /// <summary>Each object stream costs a cipher and a decoder set-up besides its bytes: past 10,000 (about 2 MiB of tiny ones) an encrypted file is unverifiable.</summary>
    [Theory]
    [InlineData(4 * 1024, "PDF runs JavaScript when it is opened (/OpenAction)")]
    [InlineData(64 * 1024, "PDF runs JavaScript when it is opened (/OpenAction)")]
    [InlineData(1024 * 1024, "PDF runs JavaScript when it is opened (/OpenAction)")]
    [InlineData(4 * 1024 * 1024, "it is encrypted and has more than 10000 object streams")]
    public async Task SniffAsync_TinyEncryptedObjectStreamsBeforeKey_HeldAndDecryptedAtLinearCost(int size, string reason)
    {
        var (detected, budget, length) = await SniffAsync("pdf-encrypted-tiny-object-streams", size);

        Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < (WorkBudget.BaseUnits / 8) + (8L * length), $"{budget.Spent} for {length} bytes");
    }

    [Theory]
    [InlineData("pdf-encrypted-many-links", "it is encrypted and has more than 50000 link addresses (/URI) in objects of their own")]
    [InlineData("pdf-encrypted-tiny-object-streams", "it is encrypted and has more than 10000 object streams")]
    [InlineData("pdf-encrypted-object-streams-over-hold", "hold more than 16 MiB")]
    public async Task SniffAsync_ShapeAt32MiB_DecidedForItsStructureWithinItsBudget(string shape, string reason)
    {
        var (detected, budget, _) = await SniffAsync(shape, 32 * 1024 * 1024);

        Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit * 3 / 4, $"{budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [InlineData(4 * 1024 * 1024, "PDF runs JavaScript when it is opened (/OpenAction)")]
    [InlineData(24 * 1024 * 1024, "it is encrypted, and its object streams before its encryption dictionary hold more than 16 MiB")]
    public async Task SniffAsync_LargeEncryptedObjectStreamsBeforeKey_RefusedPastTheHoldBound(int size, string reason)
    {
        var (detected, budget, _) = await SniffAsync("pdf-encrypted-object-streams-over-hold", size);

        Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit / 2, $"{budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [InlineData("pdf-encrypted-many-links")]
    [InlineData("pdf-encrypted-tiny-object-streams")]
    [InlineData("pdf-encrypted-object-streams-over-hold")]
    public async Task Stream_ShapeIn4KiBChunks_SameVerdict(string shape)
    {
        var (whole, _, _) = await SniffAsync(shape, 1024 * 1024);
        var bytes = Shape(shape).Make(1024 * 1024);

        var streamed = ActiveContentTests.Streamed(bytes, 4096, ActiveContentKinds.None);

        Assert.Equal(whole.Refusal, streamed.Refusal);
    }

    [Fact]
    public void HoldBound_IsWhatTheShapeExceeds()
    {
        Assert.Equal(16 * 1024 * 1024, PdfDecryption.MaxHeldBytes);
    }

    private static AdversarialShape Shape(string name) => PdfEncryptionShapes.All.Single(s => s.Name == name);

    private static async Task<(SniffOutcome.Detected Detected, WorkBudget Budget, int Length)> SniffAsync(string shape, int size)
    {
        var bytes = Shape(shape).Make(size);
        Assert.InRange(bytes.Length, 1, size + (size / 8) + 4096);
        var budget = WorkBudget.ForFile(bytes.Length);
        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget);
        Assert.Equal(MediaTypes.Pdf, detected.MediaType);
        Assert.False(budget.IsSpent, detected.Refusal);
        return (detected, budget, bytes.Length);
    }
}
