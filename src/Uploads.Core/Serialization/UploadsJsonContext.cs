using System.Text.Json;
using System.Text.Json.Serialization;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;

namespace Uploads.Core.Serialization;

/// <summary>Source-generated JSON for the public contract: camelCase names as in the guide.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(UploadUrlRequest))]
[JsonSerializable(typeof(UploadUrlResponse))]
[JsonSerializable(typeof(DirectUploadResponse))]
[JsonSerializable(typeof(UploadStatus))]
public sealed partial class UploadsJsonContext : JsonSerializerContext;
