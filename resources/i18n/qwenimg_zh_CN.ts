<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Actions</name>
    <message>
        <source>Follow system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Takes effect when the app is restarted</source>
        <translation>重新启动应用后生效</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>Send the request (Ctrl+Enter)</source>
        <translation>发送请求 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>API key and preferences</source>
        <translation>API 密钥和偏好设置</translation>
    </message>
    <message>
        <source>&amp;Leave demo mode</source>
        <translation>退出演示模式(&amp;L)</translation>
    </message>
    <message>
        <source>Use fal with your API key again</source>
        <translation>重新使用你的 API 密钥连接 fal</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>剪切(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Find in prompt…</source>
        <translation>在提示词中查找(&amp;F)…</translation>
    </message>
    <message>
        <source>Restore &amp;previous draft</source>
        <translation>恢复上一份草稿(&amp;P)</translation>
    </message>
    <message>
        <source>Undo the last reuse of a past generation</source>
        <translation>撤销最近一次对历史生成的重用</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>创作(&amp;C)</translation>
    </message>
    <message>
        <source>The prompt editor and settings</source>
        <translation>提示词编辑器和参数</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>历史(&amp;H)</translation>
    </message>
    <message>
        <source>Every past generation, offline</source>
        <translation>所有历史生成，离线可用</translation>
    </message>
    <message>
        <source>Markdown &amp;preview</source>
        <translation>Markdown 预览(&amp;P)</translation>
    </message>
    <message>
        <source>Prompt &amp;library</source>
        <translation>提示词库(&amp;L)</translation>
    </message>
    <message>
        <source>Saved prompts and snippets: insert at the cursor or apply whole</source>
        <translation>已保存的提示词和片段：插入到光标处或整体应用</translation>
    </message>
    <message>
        <source>Save selection as &amp;snippet…</source>
        <translation>将所选内容保存为片段(&amp;S)…</translation>
    </message>
    <message>
        <source>Keep the selected text (or the whole prompt) in the library</source>
        <translation>将所选文本（或整个提示词）保存到库中</translation>
    </message>
    <message>
        <source>&amp;Fit image</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Light&amp;box</source>
        <translation>灯箱(&amp;B)</translation>
    </message>
    <message>
        <source>The result large; arrow keys step through its images, Esc closes</source>
        <translation>大图查看结果；方向键切换图片，Esc 关闭</translation>
    </message>
    <message>
        <source>&amp;Actual size (100 %)</source>
        <translation>实际大小 (100 %)(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Cancel selected job</source>
        <translation>取消所选任务(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Retry selected job</source>
        <translation>重试所选任务(&amp;R)</translation>
    </message>
    <message>
        <source>Cancel &amp;all jobs</source>
        <translation>取消全部任务(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Pause sending</source>
        <translation>暂停发送(&amp;P)</translation>
    </message>
    <message>
        <source>Jobs not sent yet wait (also after a restart); jobs at fal go on</source>
        <translation>尚未发送的任务等待（重启后亦然）；已在 fal 的任务继续进行</translation>
    </message>
    <message>
        <source>Send selected job &amp;next</source>
        <translation>下一个发送所选任务(&amp;N)</translation>
    </message>
    <message>
        <source>A waiting job goes before every other waiting job</source>
        <translation>让一个等待中的任务排在其他所有等待任务之前</translation>
    </message>
    <message>
        <source>Cancel the selected job's &amp;batch</source>
        <translation>取消所选任务所在的批次(&amp;B)</translation>
    </message>
    <message>
        <source>Every unfinished job of its batch; waiting ones are never sent</source>
        <translation>该批次中所有未完成的任务；等待中的任务将不会发送</translation>
    </message>
    <message>
        <source>Show the selected job's batch &amp;grid</source>
        <translation>显示所选任务所在批次的网格(&amp;G)</translation>
    </message>
    <message>
        <source>Its batch's results laid out by their axes; a cell opens its generation</source>
        <translation>按轴排列该批次的结果；点击单元格打开对应的生成记录</translation>
    </message>
    <message>
        <source>&amp;More like this (4 new seeds)…</source>
        <translation>更多类似结果（4 个新种子）(&amp;M)…</translation>
    </message>
    <message>
        <source>The selected job's settings again with 4 new seeds, as a batch</source>
        <translation>用所选任务的设置和 4 个新种子再生成一批</translation>
    </message>
    <message>
        <source>&amp;Delete selected generations</source>
        <translation>删除所选生成(&amp;D)</translation>
    </message>
    <message>
        <source>Move them to the trash (Undo brings them back until you quit)</source>
        <translation>移到回收站（退出前可用撤销恢复）</translation>
    </message>
    <message>
        <source>&amp;Export selected to folder…</source>
        <translation>将所选导出到文件夹(&amp;E)…</translation>
    </message>
    <message>
        <source>Export selected to &amp;zip…</source>
        <translation>将所选导出为 zip(&amp;Z)…</translation>
    </message>
    <message>
        <source>&amp;Compare the two selected</source>
        <translation>比较所选的两项(&amp;C)</translation>
    </message>
    <message>
        <source>Clear &amp;failed generations</source>
        <translation>清除失败的生成(&amp;F)</translation>
    </message>
    <message>
        <source>Find d&amp;uplicates…</source>
        <translation>查找重复项(&amp;U)…</translation>
    </message>
    <message>
        <source>S&amp;pend…</source>
        <translation>花费(&amp;P)…</translation>
    </message>
    <message>
        <source>What fal billed, per day and per endpoint</source>
        <translation>fal 的计费明细，按天和按端点</translation>
    </message>
    <message>
        <source>&amp;Getting started</source>
        <translation>入门指南(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Language (after restart)</source>
        <translation>语言（重启后生效）(&amp;L)</translation>
    </message>
    <message>
        <source>Hi&amp;story</source>
        <translation>历史(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>任务(&amp;J)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
</context>
<context>
    <name>JobState</name>
    <message>
        <source>Waiting to send</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>正在发送</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Cancel requested</source>
        <translation>已请求取消</translation>
    </message>
    <message>
        <source>Downloading images</source>
        <translation>正在下载图片</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Submission unknown</source>
        <translation>提交状态未知</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Re-download</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Cancel all</source>
        <translation>全部取消</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>清除已结束</translation>
    </message>
    <message>
        <source>Log of the selected job</source>
        <translation>所选任务的日志</translation>
    </message>
    <message>
        <source>No jobs yet</source>
        <translation>还没有任务</translation>
    </message>
    <message>
        <source>1 job, {active} active</source>
        <translation>1 个任务，{active} 个进行中</translation>
    </message>
    <message>
        <source>{total} jobs, {active} active</source>
        <translation>{total} 个任务，{active} 个进行中</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>The new language is used when Qwen Image Desktop is restarted.</source>
        <translation>重新启动 Qwen Image Desktop 后将使用新语言。</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>The key works: fal accepted it.</source>
        <translation>密钥有效：fal 已接受。</translation>
    </message>
    <message>
        <source>fal rejected this key: it is wrong, revoked or mistyped. Copy it again from {url}.</source>
        <translation>fal 拒绝了此密钥：它有误、已被吊销或输入错误。请从 {url} 重新复制。</translation>
    </message>
    <message>
        <source>Could not reach fal to test the key ({error}). Check the network.</source>
        <translation>无法连接 fal 来测试密钥（{error}）。请检查网络。</translation>
    </message>
    <message>
        <source>The key could not be tested: {reason}</source>
        <translation>无法测试密钥：{reason}</translation>
    </message>
    <message>
        <source>The key could not be tested ({kind}).</source>
        <translation>无法测试密钥（{kind}）。</translation>
    </message>
    <message>
        <source>no keyring backend was found</source>
        <translation>未找到系统钥匙串后端</translation>
    </message>
    <message>
        <source>The system keyring is not available ({detail}). The key can be used for this session only: it is kept in memory and forgotten when the app quits. Alternatively set the FAL_KEY environment variable.</source>
        <translation>系统钥匙串不可用（{detail}）。密钥只能用于本次会话：它保存在内存中，应用退出后即被遗忘。也可以设置 FAL_KEY 环境变量。</translation>
    </message>
    <message>
        <source>The key comes from the FAL_KEY environment variable (not stored by the app).</source>
        <translation>密钥来自 FAL_KEY 环境变量（应用不保存它）。</translation>
    </message>
    <message>
        <source>The key is stored in the system keyring ({backend}).</source>
        <translation>密钥保存在系统钥匙串中（{backend}）。</translation>
    </message>
    <message>
        <source>The key is kept for this session only and will be forgotten on quit.</source>
        <translation>密钥仅用于本次会话，退出时将被遗忘。</translation>
    </message>
    <message>
        <source>No key is set.</source>
        <translation>尚未设置密钥。</translation>
    </message>
    <message>
        <source>Key saved in the system keyring ({backend}).</source>
        <translation>密钥已保存到系统钥匙串（{backend}）。</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>是(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>否(&amp;N)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Default: {path}</source>
        <translation>默认：{path}</translation>
    </message>
    <message>
        <source>Copy each finished image to the output folder</source>
        <translation>将每张完成的图片复制到输出文件夹</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>File names</source>
        <translation>文件名</translation>
    </message>
    <message>
        <source>For example: {name}</source>
        <translation>例如：{name}</translation>
    </message>
    <message>
        <source>Files and notifications</source>
        <translation>文件与通知</translation>
    </message>
    <message>
        <source>Notify when a job ends while the window is in the background</source>
        <translation>窗口在后台时，任务结束后发送通知</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Paste your fal key (id:secret)</source>
        <translation>粘贴你的 fal 密钥 (id:secret)</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Save to keyring</source>
        <translation>保存到系统钥匙串</translation>
    </message>
    <message>
        <source>Use for this session only</source>
        <translation>仅用于本次会话</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Test key</source>
        <translation>测试密钥</translation>
    </message>
    <message>
        <source>Checking where the key is stored…</source>
        <translation>正在检查密钥的存储位置…</translation>
    </message>
    <message>
        <source>fal API key</source>
        <translation>fal API 密钥</translation>
    </message>
    <message>
        <source>Get a key at {url}. It is kept in the system keyring, never in a file.</source>
        <translation>在 {url} 获取密钥。密钥保存在系统钥匙串中，绝不写入文件。</translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>List price</source>
        <translation>标价</translation>
    </message>
    <message>
        <source>Price per image (USD)</source>
        <translation>每张图片价格（美元）</translation>
    </message>
    <message>
        <source>Jobs at once</source>
        <translation>同时运行的任务数</translation>
    </message>
    <message>
        <source>The key was removed.</source>
        <translation>密钥已移除。</translation>
    </message>
    <message>
        <source>There is no key to test: paste one first.</source>
        <translation>没有可测试的密钥：请先粘贴一个。</translation>
    </message>
    <message>
        <source>Testing the key…</source>
        <translation>正在测试密钥…</translation>
    </message>
    <message>
        <source>Unexpected problem: {kind}.</source>
        <translation>意外问题：{kind}。</translation>
    </message>
    <message>
        <source>Prices</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Off: fal's price</source>
        <translation>关闭：使用 fal 的价格</translation>
    </message>
    <message>
        <source>Use my own price per image (overrides fal's)</source>
        <translation>使用我自己的每张图片价格（覆盖 fal 的价格）</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <source>Daily cap</source>
        <translation>每日上限</translation>
    </message>
    <message>
        <source>Monthly cap</source>
        <translation>每月上限</translation>
    </message>
    <message>
        <source>Ask before one action costs more than</source>
        <translation>单次操作费用超过此值时先询问</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source> images</source>
        <translation> 张图片</translation>
    </message>
    <message>
        <source>… or makes more than</source>
        <translation>… 或生成图片数超过</translation>
    </message>
    <message>
        <source>Your own price below is used instead.</source>
        <translation>将改用下面你自己的价格。</translation>
    </message>
    <message>
        <source>fal's prices could not be read now ({reason}); the last known are used.</source>
        <translation>现在无法读取 fal 的价格（{reason}）；使用最近一次已知的价格。</translation>
    </message>
    <message>
        <source>{model}: price unknown (not read from fal yet)</source>
        <translation>{model}：价格未知（尚未从 fal 读取）</translation>
    </message>
    <message>
        <source>{model}: ${price} per image (fal's price as of {date})</source>
        <translation>{model}：每张图片 ${price}（fal 的价格，截至 {date}）</translation>
    </message>
    <message>
        <source>{model}: ${price} per image (fal's price)</source>
        <translation>{model}：每张图片 ${price}（fal 的价格）</translation>
    </message>
</context>
</TS>
