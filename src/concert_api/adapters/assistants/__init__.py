"""The Bedrock runtimes behind the chat backends: `bedrock_agent` (InvokeAgent and its event stream) and
`bedrock_converse` (the Converse API), with one retry policy inside the request's deadline (`retries`).

They call AWS and report what came back; what it means for the chat (intent, confidence, suggestions, the tool-use
loop) is decided by the backends in `services.chat`."""
