using Uploads.Sniffing;

namespace Uploads.Adversarial;

/// <summary>The one way the cost tests, the cost fuzzer's campaign and the regressions check an input.</summary>
public static class SnifferCost
{
    /// <summary>
    /// One check as the verifier runs it (src/Uploads.Core/Verification/UploadVerifier.cs): the sniffer over the whole
    /// file with no active content allowed, and a budget of its own for the input's length, whose spending is read.
    /// </summary>
    public static CostSample Check(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var budget = WorkBudget.ForFile(bytes.Length);
        var detected = ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget).AsTask().GetAwaiter().GetResult();
        return new CostSample(budget.Spent, budget.IsSpent, detected.Refusal is null ? detected.MediaType : $"{detected.MediaType}: {detected.Refusal}");
    }
}
