using Azure.Core;
using Uploads.HostEmulator.Identity;

namespace Uploads.Testing;

/// <summary>
/// A <see cref="TokenCredential"/> for Azurite's <c>--oauth basic</c> mode: issues well-formed, UNSIGNED JWTs
/// (<c>alg: none</c>) with the claims Azurite checks (audience <c>https://storage.azure.com</c>, issuer
/// <c>https://sts.windows.net/{tid}/</c>, <c>iat</c>/<c>nbf</c>/<c>exp</c>) plus <c>oid</c> and <c>tid</c>, which end up in
/// user-delegation keys (<c>skoid</c>, <c>sktid</c>). Azurite decodes the token without checking a signature;
/// Azure Storage would refuse it, so this credential is only for tests against Azurite.
/// </summary>
/// <remarks>
/// <see cref="TokensIssued"/> counts the tokens handed out, so tests can assert that a client caches its token
/// instead of fetching one per request.
/// </remarks>
public sealed class LocalJwtCredential : TokenCredential
{
    /// <summary>The audience Azure Storage expects for data-plane tokens.</summary>
    public const string StorageAudience = UnsignedJwt.StorageAudience;

    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lifetime;
    private int _tokensIssued;

    /// <param name="tenantId">The <c>tid</c> claim; a random one when omitted.</param>
    /// <param name="objectId">The <c>oid</c> claim (the caller's identity); a random one when omitted.</param>
    /// <param name="lifetime">How long each token is valid; one hour (as Entra ID issues) when omitted.</param>
    /// <param name="timeProvider">The clock for <c>iat</c>/<c>nbf</c>/<c>exp</c>; the system clock when omitted.</param>
    public LocalJwtCredential(
        Guid? tenantId = null,
        Guid? objectId = null,
        TimeSpan? lifetime = null,
        TimeProvider? timeProvider = null)
    {
        TenantId = tenantId ?? Guid.NewGuid();
        ObjectId = objectId ?? Guid.NewGuid();
        _lifetime = lifetime ?? DefaultLifetime;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_lifetime, TimeSpan.Zero, nameof(lifetime));
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The <c>tid</c> claim of every token.</summary>
    public Guid TenantId { get; }

    /// <summary>The <c>oid</c> claim of every token.</summary>
    public Guid ObjectId { get; }

    /// <summary>How many tokens this credential has issued (thread-safe).</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var expiresOn = now + _lifetime;
        var token = CreateToken(now, expiresOn);
        Interlocked.Increment(ref _tokensIssued);
        return new AccessToken(token, expiresOn);
    }

    /// <inheritdoc />
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    private string CreateToken(DateTimeOffset now, DateTimeOffset expiresOn) =>
        UnsignedJwt.Create(StorageAudience, TenantId, ObjectId, now, expiresOn);
}
