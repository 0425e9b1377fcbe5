"""The public guide's Python examples (shared/spec/upload-api-guide.txt), as written there.

Only API_BASE and the API key differ from the guide: they come from the environment, so that the end-to-end
tests can point them at a local server. Below the examples, a small driver runs one scenario per invocation and
prints one JSON object per line for the test to check.
"""

import os

# ---------------------------------------------------------------- Implementation example (presigned URL)
import requests
from pathlib import Path

API_KEY = os.environ["API_KEY"]
API_BASE = os.environ["API_BASE"]

def upload_file_with_presigned_url(file_path: str) -> str:
    """Upload a file using a presigned URL and return the blobPath."""

    # Step 1: Request a presigned URL
    file = Path(file_path)
    response = requests.post(
        f"{API_BASE}/api/integrations/uploads/url",
        headers={"X-API-Key": API_KEY},
        json={
            "filename": file.name,
            "contentType": get_content_type(file.suffix),
        },
    )
    response.raise_for_status()
    data = response.json()
    upload_url = data["uploadUrl"]
    blob_path = data["blobPath"]

    # Step 2: Upload to Azure with a single PUT
    with open(file_path, "rb") as f:
        upload_response = requests.put(
            upload_url,
            headers={"x-ms-blob-type": "BlockBlob"},
            data=f,
        )
        upload_response.raise_for_status()

    print(f"Uploaded {file.name} -> {blob_path}")
    return blob_path

def get_content_type(suffix: str) -> str:
    """Map a file extension to a supported content type."""
    types = {
        ".mp4": "video/mp4",
        ".mov": "video/quicktime",
        ".mp3": "audio/mpeg",
        ".wav": "audio/wav",
        ".jpg": "image/jpeg",
        ".png": "image/png",
        ".pdf": "application/pdf",
        ".txt": "text/plain",
    }
    return types.get(suffix.lower(), "application/octet-stream")

# ---------------------------------------------------------------- Parallel uploads
import asyncio
import aiohttp

async def request_presigned_url(session, file_name, content_type):
    async with session.post(
        f"{API_BASE}/api/integrations/uploads/url",
        headers={"X-API-Key": API_KEY},
        json={"filename": file_name, "contentType": content_type},
    ) as resp:
        resp.raise_for_status()
        return await resp.json()

async def upload_to_azure(session, upload_url, file_path):
    with open(file_path, "rb") as f:
        async with session.put(
            upload_url,
            headers={"x-ms-blob-type": "BlockBlob"},
            data=f,
        ) as resp:
            resp.raise_for_status()

async def upload_files_parallel(files: list[tuple[str, str]]) -> list[str]:
    """Upload multiple files in parallel. files = [(path, contentType), ...]."""
    blob_paths = []
    async with aiohttp.ClientSession() as session:
        # Request all presigned URLs first
        url_data = await asyncio.gather(
            *[
                request_presigned_url(session, path.split("/")[-1], ctype)
                for path, ctype in files
            ]
        )
        # Upload all files concurrently
        await asyncio.gather(
            *[
                upload_to_azure(session, data["uploadUrl"], path)
                for data, (path, _) in zip(url_data, files)
            ]
        )
        blob_paths = [data["blobPath"] for data in url_data]
    return blob_paths

# ---------------------------------------------------------------- Direct uploads
def upload_file_direct(file_path: str) -> str:
    """Upload a file (10 MB max) directly through the API."""

    with open(file_path, "rb") as f:
        response = requests.post(
            f"{API_BASE}/api/integrations/uploads/direct",
            headers={"X-API-Key": API_KEY},
            files={"file": f},
        )

    response.raise_for_status()
    return response.json()["blobPath"]

# ---------------------------------------------------------------- Handling large files
from azure.storage.blob import BlobClient

def upload_large_file(upload_url: str, file_path: str):
    """Upload a large file to the presigned SAS URL using the Azure SDK."""

    blob_client = BlobClient.from_blob_url(upload_url)

    with open(file_path, "rb") as f:
        blob_client.upload_blob(f, overwrite=True)

    print("Upload complete")

# ---------------------------------------------------------------- Error handling
import time
from requests.exceptions import RequestException

def upload_with_retries(file_path: str, max_retries: int = 3) -> str:
    """Upload with automatic retry on transient failure."""

    for attempt in range(max_retries):
        try:
            return upload_file_direct(file_path)
        except RequestException:
            if attempt < max_retries - 1:
                wait_time = 2 ** attempt  # Exponential backoff
                print(f"Upload failed, retrying in {wait_time}s...")
                time.sleep(wait_time)
            else:
                raise

def validate_before_upload(file_path: str, max_mb: int) -> bool:
    """Check file exists, is readable, and within the category size limit."""

    if not os.path.exists(file_path):
        raise FileNotFoundError(f"File not found: {file_path}")

    size_mb = os.path.getsize(file_path) / (1024 * 1024)
    if size_mb > max_mb:
        raise ValueError(f"File too large: {size_mb:.1f} MB (max {max_mb} MB)")

    if not os.access(file_path, os.R_OK):
        raise PermissionError(f"File not readable: {file_path}")

    return True

# ---------------------------------------------------------------- Test driver (not part of the guide)
import json
import sys

def _emit(**fields):
    print("RESULT " + json.dumps(fields), flush=True)

def _request_url(file_path: str) -> dict:
    # Step 1 of the guide's example, on its own, for the SDK scenario that needs the URL itself.
    file = Path(file_path)
    response = requests.post(
        f"{API_BASE}/api/integrations/uploads/url",
        headers={"X-API-Key": API_KEY},
        json={"filename": file.name, "contentType": get_content_type(file.suffix)},
    )
    response.raise_for_status()
    return response.json()

def main(argv):
    scenario, paths = argv[0], argv[1:]
    if scenario == "presigned":
        for path in paths:
            _emit(scenario=scenario, file=path, blobPath=upload_file_with_presigned_url(path))
    elif scenario == "parallel":
        files = [(path, get_content_type(Path(path).suffix)) for path in paths]
        for path, blob_path in zip(paths, asyncio.run(upload_files_parallel(files))):
            _emit(scenario=scenario, file=path, blobPath=blob_path)
    elif scenario == "large":
        for path in paths:
            data = _request_url(path)
            upload_large_file(data["uploadUrl"], path)
            _emit(scenario=scenario, file=path, blobPath=data["blobPath"])
    elif scenario == "direct":
        for path in paths:
            validate_before_upload(path, 10)
            _emit(scenario=scenario, file=path, blobPath=upload_with_retries(path))
    elif scenario == "direct-too-large":
        for path in paths:
            try:
                upload_file_direct(path)
                _emit(scenario=scenario, file=path, status=201)
            except requests.HTTPError as error:
                _emit(scenario=scenario, file=path, status=error.response.status_code,
                      contentType=error.response.headers.get("Content-Type"), body=error.response.json())
    else:
        raise SystemExit(f"unknown scenario {scenario}")

if __name__ == "__main__":
    main(sys.argv[1:])
