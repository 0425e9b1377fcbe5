using System.Reflection;
using Uploads.Policy;

namespace Uploads.Core.Tests.Contracts;

/// <summary>Every problem is declared once in <see cref="Problems"/>: one declaration per code, each code a constant.</summary>
public sealed class ProblemsTests
{
    [Fact]
    public void All_EveryProblemCodesConstant_DeclaredExactlyOnce()
    {
        var constants = typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(constants.Order(StringComparer.Ordinal), Problems.All.Select(p => p.Code).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void All_EveryStaticDeclaration_Listed()
    {
        var declared = typeof(Problems).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(ProblemType))
            .Select(p => (ProblemType)p.GetValue(null)!);

        Assert.Equal(declared, Problems.All);
    }

    [Fact]
    public void With_TypeWithoutRetryAfter_ProblemCarriesTheDeclarationAndNoRetryAfter()
    {
        var problem = Problems.ForeignBlobPath.With("Only the client a path was issued to can renew its URL.");

        Assert.Equal((403, ProblemCodes.ForeignBlobPath, "The blob path belongs to another client.", (TimeSpan?)null), (problem.Status, problem.Code, problem.Title, problem.RetryAfter));
    }

    [Fact]
    public void With_TypeCarryingRetryAfter_NotYetUnlessGiven()
    {
        Assert.Equal(RetryAdvice.NotYet, Problems.UploadPending.With("later").RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), Problems.ServiceUnavailable.With("starting", TimeSpan.FromSeconds(30)).RetryAfter);
    }

    [Fact]
    public void With_RetryAfterForATypeWithoutOne_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Problems.NotFound.With("gone", TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(408, ProblemCodes.RequestTimeout)]
    [InlineData(413, ProblemCodes.PayloadTooLarge)]
    [InlineData(400, ProblemCodes.MalformedRequest)]
    [InlineData(431, ProblemCodes.MalformedRequest)]
    public void ForRefusedBody_KestrelStatus_TheOneDeclaration(int status, string code)
    {
        Assert.Equal(code, Problems.ForRefusedBody(status).Code);
    }

    [Theory]
    [InlineData(403, ProblemCodes.InvalidFileName, true)]
    [InlineData(403, ProblemCodes.ForeignBlobPath, false)]
    [InlineData(413, ProblemCodes.PayloadTooLarge, true)]
    [InlineData(415, ProblemCodes.Sha256Mismatch, true)]
    [InlineData(409, ProblemCodes.UploadRejected, false)]
    [InlineData(413, null, true)]
    [InlineData(403, "some_future_code", true)]
    [InlineData(409, null, false)]
    [InlineData(500, null, false)]
    public void IsPolicyRefusal_StatusAndCode_AsDeclared(int status, string? code, bool expected)
    {
        Assert.Equal(expected, Problems.IsPolicyRefusal(status, code));
    }
}
