using System.Reflection;

namespace Uploads.Adversarial;

/// <summary>
/// Every shape of every <c>*Shapes</c> class of this assembly (a public static class with a public static
/// <c>All</c> of <see cref="AdversarialShape"/>s), classes in name order: what the cost tests, the cost fuzzer's seeds and
/// the benchmark mode <c>--adversarial-cost</c> run. Found by reflection, so that a new generator joins by existing.
/// </summary>
public static class AdversarialCatalog
{
    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        .. typeof(AdversarialCatalog).Assembly.GetExportedTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Shapes", StringComparison.Ordinal))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => t.GetProperty("All", BindingFlags.Public | BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(IReadOnlyList<AdversarialShape>))
            .SelectMany(p => (IReadOnlyList<AdversarialShape>)p!.GetValue(null)!),
    ];
}
