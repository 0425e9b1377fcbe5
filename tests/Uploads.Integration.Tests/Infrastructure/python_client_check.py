#!/usr/bin/python3
"""Uploads one file to a SAS URL the way the upload guide's Python examples do.

Run by PythonClientTests with Debian's /usr/bin/python3 (packages python3-requests, python3-aiohttp,
python3-azure). Usage: python_client_check.py requests|aiohttp|sdk|get SAS_URL [FILE], or: python_client_check.py versions

TLS to a self-signed Azurite: requests and the Azure SDK (whose transport is requests) read
REQUESTS_CA_BUNDLE; aiohttp uses ssl.create_default_context(), which reads SSL_CERT_FILE.
Prints the HTTP status (or "ok" for the SDK); exits non-zero with the error on failure.
"""
import asyncio
import sys


def put_with_requests(url, path):
    import requests

    with open(path, "rb") as f:
        response = requests.put(url, headers={"x-ms-blob-type": "BlockBlob"}, data=f)
    response.raise_for_status()
    print(response.status_code)


def put_with_aiohttp(url, path):
    import aiohttp

    async def main():
        async with aiohttp.ClientSession() as session:
            with open(path, "rb") as f:
                async with session.put(url, headers={"x-ms-blob-type": "BlockBlob"}, data=f) as response:
                    response.raise_for_status()
                    print(response.status)

    asyncio.run(main())


def upload_with_sdk(url, path):
    from azure.storage.blob import BlobClient

    blob_client = BlobClient.from_blob_url(url)
    with open(path, "rb") as f:
        blob_client.upload_blob(f, overwrite=True)
    print("ok")


def get_with_requests(url):
    import requests

    print(requests.get(url).status_code)


def main(argv):
    mode = argv[1]
    url = argv[2] if len(argv) > 2 else None
    if mode == "requests":
        put_with_requests(url, argv[3])
    elif mode == "aiohttp":
        put_with_aiohttp(url, argv[3])
    elif mode == "sdk":
        upload_with_sdk(url, argv[3])
    elif mode == "get":
        get_with_requests(url)
    elif mode == "versions":
        import aiohttp
        import azure.storage.blob
        import requests
        from azure.storage.blob._shared.constants import X_MS_VERSION

        print(f"requests {requests.__version__}; aiohttp {aiohttp.__version__}; "
              f"azure-storage-blob {azure.storage.blob.__version__} (x-ms-version {X_MS_VERSION})")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
