namespace Uploads.Core.Security;

/// <summary>An authenticated API client. Its id prefixes every blob path it creates.</summary>
public sealed record ApiClient(string Id);
