"""The chat assistant: one tool registry over the platform's services, and three backends that use it.

* `tools`             the registry: typed inputs, descriptions and the functions that call the services;
* `local/`            the default backend: intent classifier, entity matcher, dialogue state, replies;
* `bedrock_agent`     Bedrock Agent Runtime `invoke_agent` (the agent calls the tools through the action-group
                      Lambda, `handlers.agent_action_group`);
* `bedrock_converse`  the Bedrock Converse API running the same tools in a tool-use loop;
* `factory`           picks the backend from the settings.

Importing this package loads nothing heavy: scikit-learn, numpy and rapidfuzz are imported only when the local
backend is built.
"""
