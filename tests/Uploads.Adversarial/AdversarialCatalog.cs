namespace Uploads.Adversarial;

/// <summary>
/// Every crafted shape, generator classes in name order: what the cost tests, the cost fuzzer's seeds, the end-to-end
/// hostile-upload tests and the benchmark mode <c>--adversarial-cost</c> run. A new generator class is added here.
/// </summary>
public static class AdversarialCatalog
{
    public static IReadOnlyList<AdversarialShape> All { get; } = [.. CfbShapes.All, .. ImageShapes.All, .. MediaShapes.All, .. PdfEncryptionShapes.All, .. PdfShapes.All, .. SvgShapes.All, .. ZipShapes.All];
}
