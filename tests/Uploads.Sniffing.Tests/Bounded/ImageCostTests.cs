using Uploads.Adversarial;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// Images crafted for as many structure elements as their size allows (<see cref="ImageShapes"/>) are accepted and
/// checked cheaply at every size up to the image limit (50 MiB): the walk is linear in the elements and bytes.
/// </summary>
public sealed class ImageCostTests
{
    public static TheoryData<string, int> ShapesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in ImageShapes.All)
        {
            foreach (var size in new[] { 4 * 1024, 1024 * 1024, 50 * 1024 * 1024 })
            {
                data.Add(shape.Name, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public void Check_ImageShape_AcceptedWithinHalfItsBudget(string name, int size)
    {
        var shape = ImageShapes.All.Single(s => s.Name == name);
        var bytes = shape.Make(size);
        var budget = WorkBudget.ForFile(bytes.Length);

        var sample = SnifferCost.Check(bytes);

        Assert.Equal(shape.ContentType, sample.Verdict);
        Assert.False(sample.Exceeded, $"{name} at {size}: budget spent");
        Assert.True(sample.Units < budget.Limit / 2, $"{name} at {size}: spent {sample.Units} of {budget.Limit}");
    }
}
