using System.Reflection;
using Xunit.Sdk;

namespace Uploads.Testing;

/// <summary>
/// After every test, fails it when an app answered, while it ran, in a way docs/openapi.json does not allow
/// (<see cref="FunctionsApp.ContractViolations"/>). Applied to a whole test assembly
/// (<c>[assembly: CheckOpenApiContract]</c>), so that no test can forget the check.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CheckOpenApiContractAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest)
    {
        if (FunctionsApp.TakeAllContractViolations() is { Count: > 0 } violations)
        {
            throw new OpenApiContractException(violations);
        }
    }
}
