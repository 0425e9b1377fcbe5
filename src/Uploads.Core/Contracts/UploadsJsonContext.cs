using System.Text.Json;
using System.Text.Json.Serialization;
using Uploads.Policy;

namespace Uploads.Core.Contracts;

/// <summary>
/// Source-generated JSON for the public contract: camelCase names as in the guide. Names match in any letter case
/// (web defaults), so a property given twice, in any case, is refused: which one would win is a guess an attacker
/// could exploit (<c>{"filename":"../x.pdf","FileName":"a.pdf"}</c>).
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(UploadUrlRequest))]
[JsonSerializable(typeof(UploadUrlResponse))]
[JsonSerializable(typeof(StagedBlock))]
[JsonSerializable(typeof(DirectUploadResponse))]
[JsonSerializable(typeof(UploadStatus))]
[JsonSerializable(typeof(UploadPolicyResponse))]
[JsonSerializable(typeof(ReadUrlRequest))]
[JsonSerializable(typeof(ReadUrlResponse))]
[JsonSerializable(typeof(UploadListResponse))]
public sealed partial class UploadsJsonContext : JsonSerializerContext;
