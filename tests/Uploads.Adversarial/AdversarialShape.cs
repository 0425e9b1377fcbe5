namespace Uploads.Adversarial;

/// <summary>
/// One crafted file shape: a name, the file name and content type an attacker would upload it under, and a builder
/// that makes it at about <c>targetBytes</c> (never much more; small targets give the smallest working file).
/// <paramref name="Clean"/> is true when the file, however costly to check naively, has no active content and
/// should be accepted once checked (a large XFA form without a script); otherwise it must never be accepted.
/// </summary>
public sealed record AdversarialShape(string Name, string FileName, string ContentType, bool Clean, Func<int, byte[]> Make)
{
    public override string ToString() => Name;
}
