/**
 * SandboxFusion's {@code run_code} over HTTP ({@code POST /api/v1/sandbox/run}), so trainers built
 * for SandboxFusion (verl, open-r1) can use this service's sandbox: the request and response
 * records, the facade that maps them onto the sandbox, and the controller.
 */
package dev.grpo.reward.runcode;
