-- A headless Neovim 0.7 session with its built-in LSP client (vim.lsp.start_client, 0.7's API):
-- start `gradtrace lsp`, run the file, hover a tensor, write what came back as JSON, quit.
-- The test passes the command, the file and the output path in the environment.
local out_path = os.getenv("GRADTRACE_NVIM_OUT")
local results = {}

local function finish()
  local handle = io.open(out_path, "w")
  handle:write(vim.fn.json_encode(results))
  handle:close()
end

local function wait_reply(client, method, params)
  local reply = nil
  client.request(method, params, function(err, result)
    reply = { err = err and err.message or vim.NIL, result = result == nil and vim.NIL or result }
  end, 0)
  vim.wait(60000, function() return reply ~= nil end, 20)
  return reply or { err = "no reply from " .. method, result = vim.NIL }
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("GRADTRACE_NVIM_FILE")))
local client_id = vim.lsp.start_client({
  name = "gradtrace",
  cmd = vim.fn.json_decode(os.getenv("GRADTRACE_NVIM_CMD")),
  root_dir = vim.fn.expand("%:p:h"),
  handlers = {
    ["gradtrace/report"] = function(_, params) results.report_notification = params.text end,
  },
})
vim.lsp.buf_attach_client(0, client_id)
local client = vim.lsp.get_client_by_id(client_id)
vim.wait(30000, function() return client.initialized end, 20)
results.commands = client.server_capabilities.executeCommandProvider.commands

local uri = vim.uri_from_bufnr(0)
results.run = wait_reply(client, "workspace/executeCommand",
  { command = "gradtrace.runFile", arguments = { uri } })
vim.api.nvim_win_set_cursor(0, { 3, 0 }) -- on `y`
results.hover = wait_reply(client, "textDocument/hover", vim.lsp.util.make_position_params())

vim.lsp.stop_client(client_id)
vim.wait(10000, function() return vim.lsp.client_is_stopped(client_id) end, 20)
results.stopped = vim.lsp.client_is_stopped(client_id)
finish()
vim.cmd("qa!")
