package dev.grpo.api.web;

/**
 * Where a service's API key comes from; each service's properties record implements it, and the
 * shared web configuration guards the mutating endpoints with it.
 */
public interface ApiKeySource {

  String apiKey();
}
