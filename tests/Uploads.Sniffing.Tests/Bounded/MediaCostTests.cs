using Uploads.Adversarial;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// The worst shapes for the audio and video structure walks (<see cref="MediaShapes"/>) are refused for their
/// structure (too many elements, too many reads), or checked cheaply, at every size up to 16 MiB.
/// </summary>
public sealed class MediaCostTests
{
    public static TheoryData<string, int> ShapesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in MediaShapes.All)
        {
            foreach (var size in new[] { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 })
            {
                data.Add(shape.Name, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_MediaShape_RefusedForItsStructureOrCheckedCheaply(string name, int size)
    {
        var shape = MediaShapes.All.Single(s => s.Name == name);
        var bytes = shape.Make(size);
        var budget = WorkBudget.ForFile(bytes.Length);

        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget);

        if (shape.Clean)
        {
            Assert.Null(detected.Refusal);
            Assert.Equal(shape.ContentType, detected.MediaType);
        }
        else if (size > 64 * 1024)
        {
            Assert.NotNull(detected.Refusal);
            Assert.Equal(shape.ContentType, detected.MediaType == "application/octet-stream" ? shape.ContentType : detected.MediaType);
            Assert.DoesNotContain("needs far more work", detected.Refusal, StringComparison.Ordinal);
        }

        Assert.True(budget.Spent < budget.Limit / 2, $"{name} at {size}: spent {budget.Spent} of {budget.Limit}");
    }
}
