<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AccountBanner</name>
    <message>
        <source>Open fal billing</source>
        <translation>打开 fal 账单页面</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续发送</translation>
    </message>
    <message>
        <source>Send the waiting jobs (after topping up)</source>
        <translation>发送等待中的任务（充值之后）</translation>
    </message>
    <message>
        <source>fal locked this account ({reason}). Sending is paused: waiting jobs stay in the queue and jobs already at fal are still followed. Top up, then press Resume. If the lock stays after a top-up, contact fal support.</source>
        <translation>fal 锁定了此账户（{reason}）。发送已暂停：等待中的任务留在队列里，已在 fal 的任务仍会继续跟踪。请充值后点击“继续发送”。如果充值后仍被锁定，请联系 fal 支持。</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>未说明原因</translation>
    </message>
</context>
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
        <translation>撤销最近一次对历史生成记录的重用</translation>
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
        <translation>历史记录(&amp;H)</translation>
    </message>
    <message>
        <source>Every past generation, offline</source>
        <translation>所有历史生成记录，离线可用</translation>
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
        <source>Cancel the selected job&apos;s &amp;batch</source>
        <translation>取消所选任务所在的批次(&amp;B)</translation>
    </message>
    <message>
        <source>Every unfinished job of its batch; waiting ones are never sent</source>
        <translation>该批次中所有未完成的任务；等待中的任务将不会发送</translation>
    </message>
    <message>
        <source>Show the selected job&apos;s batch &amp;grid</source>
        <translation>显示所选任务所在批次的网格(&amp;G)</translation>
    </message>
    <message>
        <source>Its batch&apos;s results laid out by their axes; a cell opens its generation</source>
        <translation>按轴排列该批次的结果；点击单元格打开对应的生成记录</translation>
    </message>
    <message>
        <source>&amp;More like this (4 new seeds)…</source>
        <translation>更多类似结果（4 个新种子）(&amp;M)…</translation>
    </message>
    <message>
        <source>The selected job&apos;s settings again with 4 new seeds, as a batch</source>
        <translation>用所选任务的设置和 4 个新种子再生成一批</translation>
    </message>
    <message>
        <source>&amp;Delete selected generations</source>
        <translation>删除所选生成记录(&amp;D)</translation>
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
        <translation>清除失败的生成记录(&amp;F)</translation>
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
        <translation>历史记录(&amp;S)</translation>
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
    <name>BatchPanel</name>
    <message>
        <source>Off: the prompt as written</source>
        <translation>关闭：按原样使用提示词</translation>
    </message>
    <message>
        <source>Every combination</source>
        <translation>所有组合</translation>
    </message>
    <message>
        <source>Random picks</source>
        <translation>随机抽取</translation>
    </message>
    <message>
        <source>Variables and batch</source>
        <translation>变量与批量</translation>
    </message>
    <message>
        <source>Grid axes, separated by &apos;;&apos; (X; Y; Z):</source>
        <translation>网格轴，用“;”分隔（X; Y; Z）：</translation>
    </message>
    <message>
        <source>Generate batch…</source>
        <translation>批量生成…</translation>
    </message>
    <message>
        <source>Edit wildcards…</source>
        <translation>编辑通配列表…</translation>
    </message>
    <message>
        <source>The lists __name__ picks from, one entry a line</source>
        <translation>__name__ 从中抽取的列表，每行一项</translation>
    </message>
    <message>
        <source>Variables</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>Picks</source>
        <translation>抽取数量</translation>
    </message>
    <message>
        <source>Picks seed</source>
        <translation>抽取种子</translation>
    </message>
    <message>
        <source>Axes</source>
        <translation>轴</translation>
    </message>
    <message>
        <source>The history is not open yet: wildcard lists cannot be edited.</source>
        <translation>历史记录尚未打开：无法编辑通配列表。</translation>
    </message>
    <message>
        <source>Fix the draft first: the batch is made from it.</source>
        <translation>请先修正草稿：批量任务由它生成。</translation>
    </message>
    <message>
        <source>The history is not open yet: wildcard lists cannot be read.</source>
        <translation>历史记录尚未打开：无法读取通配列表。</translation>
    </message>
    <message>
        <source>Write {red|blue} or __list__ in the prompt, or axes below, to make a batch.</source>
        <translation>在提示词中写 {red|blue} 或 __list__，或在下方填写轴，即可生成批量任务。</translation>
    </message>
    <message>
        <source>… and {count} more</source>
        <translation>……还有 {count} 条</translation>
    </message>
    <message>
        <source>{jobs} job(s), {images} image(s)</source>
        <translation>{jobs} 个任务，{images} 张图片</translation>
    </message>
    <message>
        <source>about {cost}</source>
        <translation>约 {cost}</translation>
    </message>
    <message>
        <source>Generate batch</source>
        <translation>批量生成</translation>
    </message>
    <message>
        <source>Send {batch}?

fal charges each image it makes.</source>
        <translation>发送 {batch}？

fal 会对生成的每张图片计费。</translation>
    </message>
    <message>
        <source>Send the batch</source>
        <translation>发送批量任务</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>暂不</translation>
    </message>
</context>
<context>
    <name>BudgetStop</name>
    <message>
        <source>{cost} more would pass today&apos;s cap of {cap} ({spent} spent today).</source>
        <translation>再花 {cost} 将超过今日上限 {cap}（今日已花费 {spent}）。</translation>
    </message>
    <message>
        <source>{cost} more would pass this month&apos;s cap of {cap} ({spent} spent this month).</source>
        <translation>再花 {cost} 将超过本月上限 {cap}（本月已花费 {spent}）。</translation>
    </message>
    <message>
        <source>This costs about {cost}, more than the {limit} you asked to confirm.</source>
        <translation>这将花费约 {cost}，超过了你设定需要确认的 {limit}。</translation>
    </message>
    <message>
        <source>This makes {images} images, more than the {limit} you asked to confirm.</source>
        <translation>这将生成 {images} 张图片，超过了你设定需要确认的 {limit} 张。</translation>
    </message>
    <message>
        <source>Budget cap</source>
        <translation>预算上限</translation>
    </message>
    <message>
        <source>Confirm cost</source>
        <translation>确认费用</translation>
    </message>
    <message>
        <source>Allow it once, or raise the cap in Settings.</source>
        <translation>可以允许这一次，或在设置中提高上限。</translation>
    </message>
    <message>
        <source>Send it?</source>
        <translation>要发送吗？</translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>允许一次</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
</context>
<context>
    <name>ChooseRequest</name>
    <message>
        <source>fal&apos;s request history has several requests that match this job (the same prompt, seed and settings). Choose the one to follow; its result is fetched as usual and nothing is sent again.</source>
        <translation>fal 的请求历史中有多个请求与此任务相符（相同的提示词、种子和设置）。请选择要跟踪的那一个；会照常获取其结果，不会再次发送任何内容。</translation>
    </message>
    <message>
        <source>not ended yet</source>
        <translation>尚未结束</translation>
    </message>
    <message>
        <source>succeeded ({code})</source>
        <translation>成功（{code}）</translation>
    </message>
    <message>
        <source>failed ({code})</source>
        <translation>失败（{code}）</translation>
    </message>
    <message>
        <source>Choose the request at fal</source>
        <translation>选择 fal 上的请求</translation>
    </message>
    <message>
        <source>Requests at fal</source>
        <translation>fal 上的请求</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>发送时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Request id</source>
        <translation>请求 ID</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>request {id}</source>
        <translation>请求 {id}</translation>
    </message>
    <message>
        <source>Follow this request</source>
        <translation>跟踪此请求</translation>
    </message>
</context>
<context>
    <name>Collections</name>
    <message>
        <source>Collections</source>
        <translation>合集</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>All generations</source>
        <translation>全部生成记录</translation>
    </message>
    <message>
        <source>New collection…</source>
        <translation>新建合集…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Delete (generations stay)</source>
        <translation>删除（保留生成记录）</translation>
    </message>
</context>
<context>
    <name>Compare</name>
    <message>
        <source>Compare generations</source>
        <translation>比较生成记录</translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>{side}: seed {seed}, {width}×{height}, {state}</source>
        <translation>{side}：种子 {seed}，{width}×{height}，{state}</translation>
    </message>
</context>
<context>
    <name>CoreText</name>
    <message>
        <source>Pro · Generate</source>
        <translation>专业版 · 生成</translation>
    </message>
    <message>
        <source>Standard · Generate</source>
        <translation>标准版 · 生成</translation>
    </message>
    <message>
        <source>Pro · Edit</source>
        <translation>专业版 · 编辑</translation>
    </message>
    <message>
        <source>Standard · Edit</source>
        <translation>标准版 · 编辑</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>The fal endpoint that runs this request.</source>
        <translation>运行此请求的 fal 端点。</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>What to draw; Chinese and English both work.</source>
        <translation>要画什么；中文和英文都可以。</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <source>What to keep out of the image (at most 500 characters).</source>
        <translation>不希望出现在图片中的内容（最多 500 个字符）。</translation>
    </message>
    <message>
        <source>Image size</source>
        <translation>图片尺寸</translation>
    </message>
    <message>
        <source>A preset, or width × height between 512×512 and 2048×2048 pixels in total.</source>
        <translation>预设尺寸，或宽 × 高，总像素在 512×512 到 2048×2048 之间。</translation>
    </message>
    <message>
        <source>Prompt expansion</source>
        <translation>提示词扩写</translation>
    </message>
    <message>
        <source>Let the model rewrite and expand the prompt before drawing.</source>
        <translation>让模型在绘制前改写并扩充提示词。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>The same seed with the same settings gives the same image; empty = random.</source>
        <translation>相同的种子和相同的设置会得到相同的图片；留空 = 随机。</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Safety checker</source>
        <translation>安全检查</translation>
    </message>
    <message>
        <source>Filter unsafe images.</source>
        <translation>过滤不安全的图片。</translation>
    </message>
    <message>
        <source>Sync mode</source>
        <translation>同步模式</translation>
    </message>
    <message>
        <source>Return images inline as data URIs instead of CDN links (not kept by fal).</source>
        <translation>以内联数据 URI 返回图片，而不是 CDN 链接（fal 不保留）。</translation>
    </message>
    <message>
        <source>Number of images</source>
        <translation>图片数量</translation>
    </message>
    <message>
        <source>How many images to generate in one request.</source>
        <translation>一次请求生成多少张图片。</translation>
    </message>
    <message>
        <source>Output format</source>
        <translation>输出格式</translation>
    </message>
    <message>
        <source>png, jpeg or webp.</source>
        <translation>png、jpeg 或 webp。</translation>
    </message>
    <message>
        <source>Webhook URL</source>
        <translation>Webhook 回调 URL</translation>
    </message>
    <message>
        <source>Optional: fal also POSTs the outcome to this https URL when the job ends. The app still watches the job itself.</source>
        <translation>可选：任务结束时 fal 还会把结果 POST 到这个 https URL。应用仍会自己跟踪任务。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>A preset or width × height; empty = the size of the last reference.</source>
        <translation>预设尺寸或宽 × 高；留空 = 与最后一张参考图相同。</translation>
    </message>
    <message>
        <source>same as the last reference</source>
        <translation>与最后一张参考图相同</translation>
    </message>
    <message>
        <source>Reference images</source>
        <translation>参考图</translation>
    </message>
    <message>
        <source>1–3 images the prompt calls image 1, image 2 and image 3; order matters.</source>
        <translation>1–3 张图片，提示词中称为图 1、图 2、图 3；顺序有意义。</translation>
    </message>
    <message>
        <source>seeds: 1,2,3 or a range 10-19</source>
        <translation>种子：1,2,3 或范围 10-19</translation>
    </message>
    <message>
        <source>image sizes: square_hd,landscape_4_3,1024x768</source>
        <translation>图片尺寸：square_hd,landscape_4_3,1024x768</translation>
    </message>
    <message>
        <source>prompt search and replace: the first value is searched for, each value (itself included) replaces it: cat,dog,fox</source>
        <translation>提示词查找替换：查找第一个值，并依次用每个值（包括它自身）替换：cat,dog,fox</translation>
    </message>
    <message>
        <source>prompt expansion: on,off</source>
        <translation>提示词扩写：on,off</translation>
    </message>
    <message>
        <source>endpoint tier: pro,standard</source>
        <translation>端点版本：pro,standard</translation>
    </message>
    <message>
        <source>output format: png,jpeg,webp</source>
        <translation>输出格式：png,jpeg,webp</translation>
    </message>
    <message>
        <source>For the cost estimate on the Generate button; empty = the list price of the chosen endpoint.</source>
        <translation>用于“生成”按钮上的费用估算；留空 = 所选端点的标价。</translation>
    </message>
    <message>
        <source>How many requests run at the same time.</source>
        <translation>同时运行多少个请求。</translation>
    </message>
    <message>
        <source>While the window is in the background, a desktop notification says that a job finished or failed.</source>
        <translation>窗口在后台时，用桌面通知告知任务已完成或失败。</translation>
    </message>
    <message>
        <source>Hold back what would pass this day&apos;s spend; empty = no cap.</source>
        <translation>暂缓会超出当日花费的操作；留空 = 不设上限。</translation>
    </message>
    <message>
        <source>Hold back what would pass this month&apos;s spend; empty = no cap.</source>
        <translation>暂缓会超出当月花费的操作；留空 = 不设上限。</translation>
    </message>
    <message>
        <source>Ask before one action costs more than this; empty = never ask.</source>
        <translation>单次操作费用超过此值时先询问；留空 = 从不询问。</translation>
    </message>
    <message>
        <source>No system keyring is installed on this computer.</source>
        <translation>这台电脑上没有安装系统钥匙串。</translation>
    </message>
    <message>
        <source>The system keyring is locked: unlock it in your system&apos;s keyring app, then try again.</source>
        <translation>系统钥匙串已锁定：请在系统的钥匙串应用中解锁，然后重试。</translation>
    </message>
    <message>
        <source>The system keyring has still not answered an earlier request.</source>
        <translation>系统钥匙串仍未响应之前的请求。</translation>
    </message>
    <message>
        <source>The history is still being checked, so it cannot be changed yet.</source>
        <translation>历史记录仍在检查中，暂时无法修改。</translation>
    </message>
    <message>
        <source>Try again in a few seconds.</source>
        <translation>请几秒钟后再试。</translation>
    </message>
    <message>
        <source>The history keeps its own copy either way.</source>
        <translation>无论如何，历史记录都会保留自己的副本。</translation>
    </message>
    <message>
        <source>Where finished images are copied; empty = the Pictures folder&apos;s &apos;Qwen Image&apos;.</source>
        <translation>完成的图片复制到哪里；留空 = “图片”文件夹中的“Qwen Image”。</translation>
    </message>
    <message>
        <source>the day the job finished, 2026-12-06</source>
        <translation>任务完成的日期，如 2026-12-06</translation>
    </message>
    <message>
        <source>the time it finished, 1402 (hours and minutes)</source>
        <translation>完成的时间，如 1402（时和分）</translation>
    </message>
    <message>
        <source>the prompt&apos;s first words</source>
        <translation>提示词的开头几个词</translation>
    </message>
    <message>
        <source>the seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>the image&apos;s number in its job, from 1</source>
        <translation>图片在任务中的序号，从 1 开始</translation>
    </message>
    <message>
        <source>the model, e.g. pro-edit</source>
        <translation>模型，如 pro-edit</translation>
    </message>
    <message>
        <source>the job&apos;s short id</source>
        <translation>任务的短 ID</translation>
    </message>
    <message>
        <source>Flatten the transparency onto white</source>
        <translation>将透明部分合成到白色背景上</translation>
    </message>
    <message>
        <source>Downscale to at most 5000 px per side</source>
        <translation>缩小到每边最多 5000 px</translation>
    </message>
    <message>
        <source>Re-encode (PNG, or JPEG when too large)</source>
        <translation>重新编码（PNG，过大时用 JPEG）</translation>
    </message>
    <message>
        <source>Pro</source>
        <translation>专业版</translation>
    </message>
    <message>
        <source>Standard</source>
        <translation>标准版</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Square HD</source>
        <translation>高清正方形</translation>
    </message>
    <message>
        <source>Square</source>
        <translation>正方形</translation>
    </message>
    <message>
        <source>Portrait 3:4</source>
        <translation>竖版 3:4</translation>
    </message>
    <message>
        <source>Portrait 9:16</source>
        <translation>竖版 9:16</translation>
    </message>
    <message>
        <source>Landscape 4:3</source>
        <translation>横版 4:3</translation>
    </message>
    <message>
        <source>Landscape 16:9</source>
        <translation>横版 16:9</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>custom {width}×{height}</source>
        <translation>自定义 {width}×{height}</translation>
    </message>
    <message>
        <source>Tokens: {tokens}. A name already taken gets -2, -3, ….</source>
        <translation>可用标记：{tokens}。重名时会加上 -2、-3……</translation>
    </message>
    <message>
        <source>{cost} per image (your own price, overriding fal&apos;s)</source>
        <translation>每张图片 {cost}（你自己的价格，覆盖 fal 的价格）</translation>
    </message>
    <message>
        <source>{cost} per image (fal&apos;s price as of {date})</source>
        <translation>每张图片 {cost}（fal 截至 {date} 的价格）</translation>
    </message>
    <message>
        <source>{cost} per image (fal&apos;s price)</source>
        <translation>每张图片 {cost}（fal 的价格）</translation>
    </message>
    <message>
        <source>price unknown (fal&apos;s price has not been read yet)</source>
        <translation>价格未知（尚未读取 fal 的价格）</translation>
    </message>
</context>
<context>
    <name>Describe</name>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Output format</source>
        <translation>输出格式</translation>
    </message>
    <message>
        <source>Seed used</source>
        <translation>实际种子</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>Seed requested</source>
        <translation>请求的种子</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <source>Queue wait</source>
        <translation>排队等待</translation>
    </message>
    <message>
        <source>Run time</source>
        <translation>运行时间</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>总计</translation>
    </message>
    <message>
        <source>Inference time</source>
        <translation>推理时间</translation>
    </message>
    <message>
        <source>Estimated cost</source>
        <translation>预估费用</translation>
    </message>
    <message>
        <source>Request id</source>
        <translation>请求 ID</translation>
    </message>
    <message>
        <source>Job id</source>
        <translation>任务 ID</translation>
    </message>
    <message>
        <source>Image {number}</source>
        <translation>图片 {number}</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Error type</source>
        <translation>错误类型</translation>
    </message>
</context>
<context>
    <name>Detail</name>
    <message>
        <source>Prompt of the selected generation</source>
        <translation>所选生成记录的提示词</translation>
    </message>
    <message>
        <source>Your notes on this generation (searchable)</source>
        <translation>你对这条生成记录的备注（可搜索）</translation>
    </message>
    <message>
        <source>note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Raw</source>
        <translation>原文</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Re-run exact</source>
        <translation>完全重跑</translation>
    </message>
    <message>
        <source>Same parameters and seed</source>
        <translation>相同的参数和种子</translation>
    </message>
    <message>
        <source>Remix</source>
        <translation>重混</translation>
    </message>
    <message>
        <source>Same parameters, new seed</source>
        <translation>相同的参数，新的种子</translation>
    </message>
    <message>
        <source>Use prompt</source>
        <translation>使用提示词</translation>
    </message>
    <message>
        <source>Prompt and negative prompt into the draft</source>
        <translation>将提示词和反向提示词放入草稿</translation>
    </message>
    <message>
        <source>Use parameters</source>
        <translation>使用参数</translation>
    </message>
    <message>
        <source>Parameters and seed into the draft</source>
        <translation>将参数和种子放入草稿</translation>
    </message>
    <message>
        <source>Edit this image</source>
        <translation>编辑此图片</translation>
    </message>
    <message>
        <source>Use the shown image (or the selected jobs&apos; first images) as references of an edit</source>
        <translation>将显示的图片（或所选任务的第一张图片）用作编辑的参考图</translation>
    </message>
    <message>
        <source>Copy seed</source>
        <translation>复制种子</translation>
    </message>
    <message>
        <source>★ Favourite</source>
        <translation>★ 收藏</translation>
    </message>
    <message>
        <source>Re-download</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Fetch the missing images from fal again</source>
        <translation>从 fal 重新获取缺失的图片</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete (undo is possible until you quit)</source>
        <translation>删除（退出前可以撤销）</translation>
    </message>
    <message>
        <source>Save note</source>
        <translation>保存备注</translation>
    </message>
    <message>
        <source>tags: {tags}</source>
        <translation>标签：{tags}</translation>
    </message>
    <message>
        <source>in: {collections}</source>
        <translation>所在合集：{collections}</translation>
    </message>
    <message>
        <source>Negative prompt:</source>
        <translation>反向提示词：</translation>
    </message>
    <message>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <source>no image</source>
        <translation>无图片</translation>
    </message>
    <message>
        <source>unreadable (damaged): {name}</source>
        <translation>无法读取（已损坏）：{name}</translation>
    </message>
    <message>
        <source>missing: {name}</source>
        <translation>缺失：{name}</translation>
    </message>
    <message>
        <source>Made from: </source>
        <translation>来源：</translation>
    </message>
    <message>
        <source>image {number}</source>
        <translation>图 {number}</translation>
    </message>
    <message>
        <source>a file</source>
        <translation>一个文件</translation>
    </message>
    <message>
        <source>Edits of this: </source>
        <translation>基于此的编辑：</translation>
    </message>
</context>
<context>
    <name>Draft</name>
    <message>
        <source>Write a prompt first.</source>
        <translation>请先写提示词。</translation>
    </message>
    <message>
        <source>Enter a seed, or choose Random.</source>
        <translation>请输入种子，或选择“随机”。</translation>
    </message>
    <message>
        <source>A seed is a whole number from 0 to {max}.</source>
        <translation>种子是 0 到 {max} 之间的整数。</translation>
    </message>
    <message>
        <source>The largest seed is {max}.</source>
        <translation>种子最大为 {max}。</translation>
    </message>
    <message>
        <source>The prompt is only spaces: write what to draw.</source>
        <translation>提示词只有空格：请写下要画什么。</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>高度</translation>
    </message>
    <message>
        <source>The negative prompt is longer than 500 characters.</source>
        <translation>反向提示词超过了 500 个字符。</translation>
    </message>
    <message>
        <source>Add a reference image to edit (drop or paste one, or use Edit this image).</source>
        <translation>请添加一张要编辑的参考图（拖入或粘贴，或使用“编辑此图片”）。</translation>
    </message>
</context>
<context>
    <name>DraftAutosave</name>
    <message>
        <source>The draft could not be saved: {reason}</source>
        <translation>无法保存草稿：{reason}</translation>
    </message>
</context>
<context>
    <name>Drop</name>
    <message>
        <source>{name} carries no generation parameters this app can read.</source>
        <translation>{name} 不含本应用可读取的生成参数。</translation>
    </message>
</context>
<context>
    <name>Duplicates</name>
    <message>
        <source>Duplicates</source>
        <translation>重复项</translation>
    </message>
    <message>
        <source>Scanning…</source>
        <translation>正在扫描…</translation>
    </message>
    <message>
        <source>Keep the selected one, delete the others</source>
        <translation>保留所选的一张，删除其余</translation>
    </message>
    <message>
        <source>Scan again</source>
        <translation>重新扫描</translation>
    </message>
    <message>
        <source>Identical</source>
        <translation>完全相同</translation>
    </message>
    <message>
        <source>Similar</source>
        <translation>相似</translation>
    </message>
    <message>
        <source>{kind} · {images} images · {jobs} generation(s)</source>
        <translation>{kind} · {images} 张图片 · {jobs} 条生成记录</translation>
    </message>
    <message>
        <source>{identical} identical and {similar} similar group(s)</source>
        <translation>{identical} 组完全相同，{similar} 组相似</translation>
    </message>
    <message>
        <source>; {count} image(s) hashed</source>
        <translation>；已计算 {count} 张图片的哈希</translation>
    </message>
    <message>
        <source>No duplicates found.</source>
        <translation>没有找到重复项。</translation>
    </message>
    <message>
        <source>Deleting {count} generation(s)… (Undo in the history brings them back)</source>
        <translation>正在删除 {count} 条生成记录…（可在历史记录中撤销恢复）</translation>
    </message>
</context>
<context>
    <name>EditorPanel</name>
    <message>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <source>What to keep out of the image (optional)</source>
        <translation>不希望出现在图片中的内容（可选）</translation>
    </message>
    <message>
        <source>negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <source>Headings of the prompt: click to jump to a section</source>
        <translation>提示词的标题：点击跳转到该部分</translation>
    </message>
    <message>
        <source>0 characters · 1 line</source>
        <translation>0 个字符 · 1 行</translation>
    </message>
    <message>
        <source>prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Outline</source>
        <translation>大纲</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>1 character</source>
        <translation>1 个字符</translation>
    </message>
    <message>
        <source>{count} characters</source>
        <translation>{count} 个字符</translation>
    </message>
    <message>
        <source>1 line</source>
        <translation>1 行</translation>
    </message>
    <message>
        <source>{count} lines</source>
        <translation>{count} 行</translation>
    </message>
</context>
<context>
    <name>FieldForm</name>
    <message>
        <source>Options</source>
        <translation>选项</translation>
    </message>
</context>
<context>
    <name>Filters</name>
    <message>
        <source>All states</source>
        <translation>全部状态</translation>
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
        <source>Any format</source>
        <translation>任意格式</translation>
    </message>
    <message>
        <source>Any shape</source>
        <translation>任意形状</translation>
    </message>
    <message>
        <source>Square</source>
        <translation>正方形</translation>
    </message>
    <message>
        <source>Portrait</source>
        <translation>竖版</translation>
    </message>
    <message>
        <source>Landscape</source>
        <translation>横版</translation>
    </message>
    <message>
        <source>Any size</source>
        <translation>任意大小</translation>
    </message>
    <message>
        <source>Small (&lt; 1 MP)</source>
        <translation>小（&lt; 1 MP）</translation>
    </message>
    <message>
        <source>Medium (1–2.4 MP)</source>
        <translation>中（1–2.4 MP）</translation>
    </message>
    <message>
        <source>Large (&gt; 2.4 MP)</source>
        <translation>大（&gt; 2.4 MP）</translation>
    </message>
    <message>
        <source>Any rating</source>
        <translation>任意评分</translation>
    </message>
    <message>
        <source>Unrated</source>
        <translation>未评分</translation>
    </message>
    <message>
        <source>any tag</source>
        <translation>任一标签</translation>
    </message>
    <message>
        <source>all tags</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <source>Any model</source>
        <translation>任意模型</translation>
    </message>
    <message>
        <source>All · {kind}</source>
        <translation>全部 · {kind}</translation>
    </message>
    <message>
        <source>Search prompts and notes (中文 or English)…</source>
        <translation>搜索提示词和备注…</translation>
    </message>
    <message>
        <source>★ only</source>
        <translation>仅 ★</translation>
    </message>
    <message>
        <source>Tags, comma separated…</source>
        <translation>标签，逗号分隔…</translation>
    </message>
    <message>
        <source>▦ Group</source>
        <translation>▦ 分组</translation>
    </message>
    <message>
        <source>Group batches</source>
        <translation>按批次分组</translation>
    </message>
    <message>
        <source>A batch is one tile (its count and first images); double-click it to see its generations</source>
        <translation>一个批次显示为一个图块（数量和前几张图片）；双击可查看其生成记录</translation>
    </message>
    <message>
        <source>Showing one batch only: click to show every generation</source>
        <translation>仅显示一个批次：点击显示全部生成记录</translation>
    </message>
    <message>
        <source>from: any</source>
        <translation>起：不限</translation>
    </message>
    <message>
        <source>to: any</source>
        <translation>止：不限</translation>
    </message>
    <message>
        <source>Made on or after</source>
        <translation>生成于此日期或之后</translation>
    </message>
    <message>
        <source>Made on or before</source>
        <translation>生成于此日期或之前</translation>
    </message>
    <message>
        <source>Batch: {name}</source>
        <translation>批次：{name}</translation>
    </message>
    <message>
        <source>{count} found</source>
        <translation>找到 {count} 条</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find in prompt</source>
        <translation>在提示词中查找</translation>
    </message>
    <message>
        <source>Match case</source>
        <translation>区分大小写</translation>
    </message>
    <message>
        <source>Previous match</source>
        <translation>上一个匹配</translation>
    </message>
    <message>
        <source>Next match (Enter)</source>
        <translation>下一个匹配 (Enter)</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>关闭 (Esc)</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>未找到</translation>
    </message>
</context>
<context>
    <name>FirstRun</name>
    <message>
        <source>Enter API key…</source>
        <translation>输入 API 密钥…</translation>
    </message>
    <message>
        <source>Try demo mode</source>
        <translation>试用演示模式</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
</context>
<context>
    <name>Gallery</name>
    <message>
        <source>no image</source>
        <translation>无图片</translation>
    </message>
    <message>
        <source>Batch · {label}</source>
        <translation>批次 · {label}</translation>
    </message>
</context>
<context>
    <name>GridWindow</name>
    <message>
        <source>Could not open the batch&apos;s grid: {reason}</source>
        <translation>无法打开批次网格：{reason}</translation>
    </message>
    <message>
        <source>Batch {id}</source>
        <translation>批次 {id}</translation>
    </message>
    <message>
        <source>Could not re-run the batch: {reason}</source>
        <translation>无法重跑批次：{reason}</translation>
    </message>
    <message>
        <source>Grid — {title}</source>
        <translation>网格 — {title}</translation>
    </message>
    <message>
        <source>Save contact sheet</source>
        <translation>保存联系表</translation>
    </message>
    <message>
        <source>The grid with its labels as one image, kept in History</source>
        <translation>将网格连同标签保存为一张图片，存入历史记录</translation>
    </message>
    <message>
        <source>Re-run batch…</source>
        <translation>重跑批次…</translation>
    </message>
    <message>
        <source>The same plan again as a new batch (asks at its total)</source>
        <translation>按相同计划再生成一个新批次（按总价询问）</translation>
    </message>
    <message>
        <source>one job</source>
        <translation>单个任务</translation>
    </message>
    <message>
        <source>The batch&apos;s generations cannot be read: {reason}</source>
        <translation>无法读取批次的生成记录：{reason}</translation>
    </message>
    <message>
        <source>A generation of the batch cannot be read: {reason}</source>
        <translation>无法读取批次中的一条生成记录：{reason}</translation>
    </message>
    <message>
        <source>{done}/{total} done</source>
        <translation>已完成 {done}/{total}</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>已删除</translation>
    </message>
    <message>
        <source>no image</source>
        <translation>无图片</translation>
    </message>
    <message>
        <source>Contact sheet saved in History.</source>
        <translation>联系表已保存到历史记录。</translation>
    </message>
    <message>
        <source>The contact sheet was not saved: {reason}</source>
        <translation>联系表未保存：{reason}</translation>
    </message>
</context>
<context>
    <name>History</name>
    <message>
        <source>Generations</source>
        <translation>生成记录</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <source>Tags…</source>
        <translation>标签…</translation>
    </message>
    <message>
        <source>Search failed: {error}</source>
        <translation>搜索失败：{error}</translation>
    </message>
    <message>
        <source>Exported {count} image(s) to {path}</source>
        <translation>已导出 {count} 张图片到 {path}</translation>
    </message>
    <message>
        <source>; {count} missing file(s) skipped</source>
        <translation>；跳过了 {count} 个缺失的文件</translation>
    </message>
    <message>
        <source>Clear rating</source>
        <translation>清除评分</translation>
    </message>
    <message>
        <source>New collection</source>
        <translation>新建合集</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename collection</source>
        <translation>重命名合集</translation>
    </message>
    <message>
        <source>Delete collection</source>
        <translation>删除合集</translation>
    </message>
    <message>
        <source>Delete the collection “{name}”? Its generations stay in the history.</source>
        <translation>删除合集“{name}”？其中的生成记录仍保留在历史记录中。</translation>
    </message>
    <message>
        <source>Export collection</source>
        <translation>导出合集</translation>
    </message>
    <message>
        <source>{files} image file(s) of {jobs} generation(s) are missing or damaged; recent ones can be re-downloaded.</source>
        <translation>{jobs} 条生成记录中有 {files} 个图片文件缺失或损坏；较新的可以重新下载。</translation>
    </message>
    <message>
        <source>{count} file(s) in the data folder belong to no generation; they were left in place.</source>
        <translation>数据文件夹中有 {count} 个文件不属于任何生成记录；已原样保留。</translation>
    </message>
    <message>
        <source>Image {number} of this generation is damaged; Re-download fetches it again from fal.</source>
        <translation>这条生成记录的图片 {number} 已损坏；“重新下载”可从 fal 再次获取。</translation>
    </message>
    <message>
        <source>Image {number} of this generation is damaged; fal no longer keeps its result, so it cannot be fetched again.</source>
        <translation>这条生成记录的图片 {number} 已损坏；fal 已不再保留其结果，无法再次获取。</translation>
    </message>
    <message>
        <source>Deleted {count} generation(s). Undo is possible until you quit.</source>
        <translation>已删除 {count} 条生成记录。退出前可以撤销。</translation>
    </message>
    <message>
        <source>Restored {count} generation(s).</source>
        <translation>已恢复 {count} 条生成记录。</translation>
    </message>
    <message>
        <source>Export batch</source>
        <translation>导出批次</translation>
    </message>
    <message>
        <source>Open the batch&apos;s grid</source>
        <translation>打开批次网格</translation>
    </message>
    <message>
        <source>Show this batch only</source>
        <translation>仅显示此批次</translation>
    </message>
    <message>
        <source>Export the batch to zip…</source>
        <translation>将批次导出为 zip…</translation>
    </message>
    <message>
        <source>Re-run the batch…</source>
        <translation>重跑此批次…</translation>
    </message>
    <message>
        <source>Re-run exact (same seed)</source>
        <translation>完全重跑（相同种子）</translation>
    </message>
    <message>
        <source>Remix (new seed)</source>
        <translation>重混（新种子）</translation>
    </message>
    <message>
        <source>Use prompt only</source>
        <translation>仅使用提示词</translation>
    </message>
    <message>
        <source>Use parameters only</source>
        <translation>仅使用参数</translation>
    </message>
    <message>
        <source>Unfavourite</source>
        <translation>取消收藏</translation>
    </message>
    <message>
        <source>Favourite</source>
        <translation>收藏</translation>
    </message>
    <message>
        <source>Edit note…</source>
        <translation>编辑备注…</translation>
    </message>
    <message>
        <source>Save prompt as snippet…</source>
        <translation>将提示词保存为片段…</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Re-download missing files</source>
        <translation>重新下载缺失的文件</translation>
    </message>
    <message>
        <source>Export to folder…</source>
        <translation>导出到文件夹…</translation>
    </message>
    <message>
        <source>Export to zip…</source>
        <translation>导出为 zip…</translation>
    </message>
    <message>
        <source>Delete {count} generation(s)</source>
        <translation>删除 {count} 条生成记录</translation>
    </message>
    <message>
        <source>Clear failed</source>
        <translation>清除失败项</translation>
    </message>
    <message>
        <source>Find duplicates…</source>
        <translation>查找重复项…</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>评分</translation>
    </message>
    <message>
        <source>Add to collection</source>
        <translation>添加到合集</translation>
    </message>
    <message>
        <source>New collection…</source>
        <translation>新建合集…</translation>
    </message>
    <message>
        <source>Remove from {name}</source>
        <translation>从“{name}”中移除</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Note for this generation:</source>
        <translation>这条生成记录的备注：</translation>
    </message>
    <message>
        <source>The note holds at most {max} characters: {count} were left out.</source>
        <translation>备注最多 {max} 个字符：超出的 {count} 个字符已舍弃。</translation>
    </message>
    <message>
        <source>Export to zip</source>
        <translation>导出为 zip</translation>
    </message>
    <message>
        <source>Export to folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <source>Zip files (*.zip)</source>
        <translation>ZIP 文件 (*.zip)</translation>
    </message>
</context>
<context>
    <name>HistoryHost</name>
    <message>
        <source>Opening the history…</source>
        <translation>正在打开历史记录…</translation>
    </message>
    <message>
        <source>The history could not be opened: {reason}</source>
        <translation>无法打开历史记录：{reason}</translation>
    </message>
    <message>
        <source>Re-download failed: {error}</source>
        <translation>重新下载失败：{error}</translation>
    </message>
    <message>
        <source>Re-downloaded {count} image(s).</source>
        <translation>已重新下载 {count} 张图片。</translation>
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
    <name>JobsModel</name>
    <message>
        <source>seed {seed}</source>
        <translation>种子 {seed}</translation>
    </message>
    <message>
        <source>random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>(job from an earlier session)</source>
        <translation>（之前会话的任务）</translation>
    </message>
    <message>
        <source>(empty prompt)</source>
        <translation>（空提示词）</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Jobs</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Waiting jobs are listed above the running ones, the next to be sent lowest: drag one up or down to change when it is sent</source>
        <translation>等待中的任务列在运行中的任务上方，最下面的最先发送：上下拖动即可改变发送顺序</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the selected job (Esc)</source>
        <translation>取消所选任务 (Esc)</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Submit the selected job&apos;s request again as a new job</source>
        <translation>将所选任务的请求作为新任务再次提交</translation>
    </message>
    <message>
        <source>Re-download</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Fetch the selected job&apos;s result from fal again by its request id (no new charge)</source>
        <translation>按请求 ID 从 fal 重新获取所选任务的结果（不会再次计费）</translation>
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
        <source>Take finished jobs off this list (History keeps them)</source>
        <translation>从列表中移除已结束的任务（历史记录会保留）</translation>
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
        <source>Move up in the queue (sent later)</source>
        <translation>在队列中上移（较晚发送）</translation>
    </message>
    <message>
        <source>Move down in the queue (sent sooner)</source>
        <translation>在队列中下移（较早发送）</translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>允许一次</translation>
    </message>
    <message>
        <source>Choose the request at fal…</source>
        <translation>选择 fal 上的请求…</translation>
    </message>
    <message>
        <source>Submit again</source>
        <translation>再次提交</translation>
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
    <name>Library</name>
    <message>
        <source>Edit snippet</source>
        <translation>编辑片段</translation>
    </message>
    <message>
        <source>Save as snippet</source>
        <translation>保存为片段</translation>
    </message>
    <message>
        <source>A short name, e.g. 水彩风格 or Golden hour light</source>
        <translation>简短的名称，例如 水彩风格 或 黄金时刻光线</translation>
    </message>
    <message>
        <source>style, light, 人像…</source>
        <translation>风格, 光线, 人像…</translation>
    </message>
    <message>
        <source>Keep the current parameters with it</source>
        <translation>同时保存当前参数</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Text (markdown)</source>
        <translation>文本（Markdown）</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <source>Search the library…</source>
        <translation>搜索提示词库…</translation>
    </message>
    <message>
        <source>Insert</source>
        <translation>插入</translation>
    </message>
    <message>
        <source>Insert the text at the cursor</source>
        <translation>在光标处插入文本</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Use it as the whole draft (prompt, negative, parameters)</source>
        <translation>用作整份草稿（提示词、反向提示词、参数）</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Save the library, collections, tags and ratings as JSON</source>
        <translation>将提示词库、合集、标签和评分保存为 JSON</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Add the library and collections of an export file</source>
        <translation>从导出文件中添加提示词库和合集</translation>
    </message>
    <message>
        <source>Prompt library</source>
        <translation>提示词库</translation>
    </message>
    <message>
        <source>negative: {text}</source>
        <translation>反向：{text}</translation>
    </message>
    <message>
        <source>with parameters</source>
        <translation>含参数</translation>
    </message>
    <message>
        <source>Saved “{name}” in the prompt library.</source>
        <translation>已将“{name}”保存到提示词库。</translation>
    </message>
    <message>
        <source>Deleted “{name}” from the library (Undo delete brings it back).</source>
        <translation>已从提示词库删除“{name}”（“撤销删除”可恢复）。</translation>
    </message>
    <message>
        <source>Library exported to {path}.</source>
        <translation>提示词库已导出到 {path}。</translation>
    </message>
    <message>
        <source>Imported {snippets} snippet(s) and {collections} collection(s) from {path}.</source>
        <translation>已从 {path} 导入 {snippets} 个片段和 {collections} 个合集。</translation>
    </message>
    <message>
        <source>Export the library</source>
        <translation>导出提示词库</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>Import a library</source>
        <translation>导入提示词库</translation>
    </message>
    <message>
        <source>The history database is not open yet.</source>
        <translation>历史数据库尚未打开。</translation>
    </message>
</context>
<context>
    <name>Lightbox</name>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{app} — DEMO</source>
        <translation>{app} — 演示模式</translation>
    </message>
    <message>
        <source>What fal billed today (History → Spend… for more)</source>
        <translation>fal 今日计费（更多见 历史记录 → 花费…）</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创作</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Only a job held by a budget cap can be allowed once.</source>
        <translation>只有被预算上限暂缓的任务才能“允许一次”。</translation>
    </message>
    <message>
        <source>Could not allow it: {reason}</source>
        <translation>无法允许：{reason}</translation>
    </message>
    <message>
        <source>Allowed once: it is sent (with the rest of its batch, if any).</source>
        <translation>已允许一次：任务将被发送（如属批次，连同批次其余任务）。</translation>
    </message>
    <message>
        <source>This job is not waiting for a choice of request at fal.</source>
        <translation>此任务并未等待选择 fal 上的请求。</translation>
    </message>
    <message>
        <source>No requests at fal are recorded for this job.</source>
        <translation>此任务没有记录任何 fal 上的请求。</translation>
    </message>
    <message>
        <source>Could not follow it: {reason}</source>
        <translation>无法跟踪：{reason}</translation>
    </message>
    <message>
        <source>Following the chosen request at fal; nothing is sent again.</source>
        <translation>正在跟踪所选的 fal 请求；不会再次发送任何内容。</translation>
    </message>
    <message>
        <source>Could not resume: {reason}</source>
        <translation>无法继续：{reason}</translation>
    </message>
    <message>
        <source>The history is not open yet; try again in a moment.</source>
        <translation>历史记录尚未打开；请稍后再试。</translation>
    </message>
    <message>
        <source>Checking for an API key…</source>
        <translation>正在检查 API 密钥…</translation>
    </message>
    <message>
        <source>The API key could not be read: {error}</source>
        <translation>无法读取 API 密钥：{error}</translation>
    </message>
    <message>
        <source>Starting demo mode…</source>
        <translation>正在启动演示模式…</translation>
    </message>
    <message>
        <source>Leaving demo mode…</source>
        <translation>正在退出演示模式…</translation>
    </message>
    <message>
        <source>The new language is used when Qwen Image Desktop is restarted.</source>
        <translation>重新启动 Qwen Image Desktop 后将使用新语言。</translation>
    </message>
    <message>
        <source>no API key is set</source>
        <translation>尚未设置 API 密钥</translation>
    </message>
    <message>
        <source>Not sent: {reasons}</source>
        <translation>未发送：{reasons}</translation>
    </message>
    <message>
        <source>Not sent: held by your budget.</source>
        <translation>未发送：被你的预算暂缓。</translation>
    </message>
    <message>
        <source>Could not start the job: {reason}</source>
        <translation>无法启动任务：{reason}</translation>
    </message>
    <message>
        <source>The batch was not sent: it would pass your budget.</source>
        <translation>批量任务未发送：会超出你的预算。</translation>
    </message>
    <message>
        <source>Could not start the batch: {reason}</source>
        <translation>无法启动批量任务：{reason}</translation>
    </message>
    <message>
        <source>Batch of {count} job(s) handed over; they are sent in order.</source>
        <translation>已交出 {count} 个任务的批次；将按顺序发送。</translation>
    </message>
    <message>
        <source>Could not pause sending: {reason}</source>
        <translation>无法暂停发送：{reason}</translation>
    </message>
    <message>
        <source>Could not resume sending: {reason}</source>
        <translation>无法恢复发送：{reason}</translation>
    </message>
    <message>
        <source>Sending paused: jobs not sent yet wait; jobs at fal go on.</source>
        <translation>发送已暂停：尚未发送的任务等待；已在 fal 的任务继续进行。</translation>
    </message>
    <message>
        <source>Sending resumed.</source>
        <translation>已恢复发送。</translation>
    </message>
    <message>
        <source>Only a job waiting to be sent can go next.</source>
        <translation>只有等待发送的任务才能排到下一个。</translation>
    </message>
    <message>
        <source>The selected job is sent next.</source>
        <translation>所选任务将下一个发送。</translation>
    </message>
    <message>
        <source>Only a job waiting to be sent can be moved in the queue.</source>
        <translation>只有等待发送的任务才能在队列中移动。</translation>
    </message>
    <message>
        <source>Cancelling the batch: waiting jobs are not sent.</source>
        <translation>正在取消批次：等待中的任务不会发送。</translation>
    </message>
    <message>
        <source>Select a job to make more like it.</source>
        <translation>请选择一个任务来生成更多类似结果。</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>Cancel the job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Re-downloading the images from fal…</source>
        <translation>正在从 fal 重新下载图片…</translation>
    </message>
    <message>
        <source>{reason}: the job waits in the list. Raise the cap in Settings, or right-click it → Allow once.</source>
        <translation>{reason}：任务在列表中等待。请在设置中提高上限，或右键点击它 → 允许一次。</translation>
    </message>
    <message>
        <source>{count} running</source>
        <translation>{count} 个运行中</translation>
    </message>
    <message>
        <source>{count} waiting</source>
        <translation>{count} 个等待中</translation>
    </message>
    <message>
        <source>Today {cost} (+{count} unknown)</source>
        <translation>今日 {cost}（另有 {count} 个未知）</translation>
    </message>
    <message>
        <source>Today {cost}</source>
        <translation>今日 {cost}</translation>
    </message>
    <message>
        <source>Completed: {reason}.</source>
        <translation>已完成：{reason}。</translation>
    </message>
    <message>
        <source>Settings copied back into the editor (Edit → Restore previous draft goes back).</source>
        <translation>设置已复制回编辑器（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Draft now uses the same settings and seed of a past generation (Edit → Restore previous draft goes back).</source>
        <translation>草稿现在使用一条历史生成记录的相同设置和种子（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Draft now uses the same settings, a new seed, of a past generation (Edit → Restore previous draft goes back).</source>
        <translation>草稿现在使用一条历史生成记录的相同设置和新的种子（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Draft now uses the prompt of a past generation (Edit → Restore previous draft goes back).</source>
        <translation>草稿现在使用一条历史生成记录的提示词（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Draft now uses the parameters of a past generation (Edit → Restore previous draft goes back).</source>
        <translation>草稿现在使用一条历史生成记录的参数（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>The parameters saved with “{name}” no longer fit this version; only its text was applied.</source>
        <translation>随“{name}”保存的参数已不适用于此版本；只应用了其文本。</translation>
    </message>
    <message>
        <source>Draft now uses “{name}” from the library (Edit → Restore previous draft goes back).</source>
        <translation>草稿现在使用提示词库中的“{name}”（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Previous draft restored.</source>
        <translation>已恢复上一份草稿。</translation>
    </message>
    <message>
        <source>Select generations in History to export them.</source>
        <translation>请在历史记录中选择要导出的生成记录。</translation>
    </message>
    <message>
        <source>Select exactly two generations in History to compare them.</source>
        <translation>请在历史记录中恰好选择两条生成记录进行比较。</translation>
    </message>
    <message>
        <source>About {app}</source>
        <translation>关于 {app}</translation>
    </message>
    <message>
        <source>Quit {app}</source>
        <translation>退出 {app}</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Keep the window open</source>
        <translation>保持窗口打开</translation>
    </message>
    <message>
        <source>Could not read the batch: {reason}</source>
        <translation>无法读取批次：{reason}</translation>
    </message>
    <message>
        <source>The selected job is not part of a batch.</source>
        <translation>所选任务不属于任何批次。</translation>
    </message>
    <message>
        <source>The history is still opening: try again in a moment.</source>
        <translation>历史记录仍在打开中：请稍后再试。</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>{state} · position {position}</source>
        <translation>{state} · 第 {position} 位</translation>
    </message>
    <message>
        <source>1 image</source>
        <translation>1 张图片</translation>
    </message>
    <message>
        <source>{count} images</source>
        <translation>{count} 张图片</translation>
    </message>
    <message>
        <source>The API key was rejected: open File → Settings… and check the key.</source>
        <translation>API 密钥被拒绝：请打开 文件 → 设置… 检查密钥。</translation>
    </message>
    <message>
        <source>Too many requests at once: wait a moment and retry.</source>
        <translation>同时发出的请求过多：请稍等片刻再重试。</translation>
    </message>
    <message>
        <source>fal&apos;s service had a problem: try again later.</source>
        <translation>fal 的服务出现问题：请稍后再试。</translation>
    </message>
    <message>
        <source>Could not reach fal: check the network connection and retry.</source>
        <translation>无法连接 fal：请检查网络连接后重试。</translation>
    </message>
    <message>
        <source>The request may have reached fal: check your dashboard before submitting again (you could be charged twice).</source>
        <translation>请求可能已到达 fal：再次提交前请先查看控制台（否则可能被重复计费）。</translation>
    </message>
    <message>
        <source>The disk is full: free some space; nothing was lost.</source>
        <translation>磁盘已满：请释放一些空间；没有丢失任何内容。</translation>
    </message>
    <message>
        <source>fal rejected a parameter: fix it and generate again.</source>
        <translation>fal 拒绝了某个参数：请修正后重新生成。</translation>
    </message>
    <message>
        <source>The job failed.</source>
        <translation>任务失败。</translation>
    </message>
    <message>
        <source>Your fal balance is too low: top up at {url}.</source>
        <translation>你的 fal 余额不足：请在 {url} 充值。</translation>
    </message>
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
        <source>{reason} You can still use the key for this session only (kept in memory, forgotten when the app quits), or set the FAL_KEY environment variable before starting the app.</source>
        <translation>{reason}仍可仅在本次会话中使用密钥（保存在内存中，应用退出后即被遗忘），或在启动应用前设置 FAL_KEY 环境变量。</translation>
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
    <message>
        <source>Welcome to {app}</source>
        <translation>欢迎使用 {app}</translation>
    </message>
    <message>
        <source>&lt;p&gt;{app} draws and edits images with fal&apos;s &lt;b&gt;Qwen Image 2&lt;/b&gt; models (pro and standard, generate and edit). It needs a fal API key.&lt;/p&gt;&lt;ol&gt;&lt;li&gt;Sign in at &lt;b&gt;fal.ai&lt;/b&gt; and open the dashboard&apos;s &lt;b&gt;Keys&lt;/b&gt; page (&lt;code&gt;{url}&lt;/code&gt;).&lt;/li&gt;&lt;li&gt;Create a key and copy it (it looks like &lt;code&gt;id:secret&lt;/code&gt;).&lt;/li&gt;&lt;li&gt;Open &lt;b&gt;File → Settings…&lt;/b&gt;, paste it and press &lt;b&gt;Save to keyring&lt;/b&gt;. It is kept in your system keyring, never in a file.&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;Each image costs about $0.075 on fal. You can also try the app first in &lt;b&gt;demo mode&lt;/b&gt;: a built-in local server draws placeholder images, nothing is sent and nothing is charged.&lt;/p&gt;</source>
        <translation>&lt;p&gt;{app} 使用 fal 的 &lt;b&gt;Qwen Image 2&lt;/b&gt; 模型（专业版和标准版，生成和编辑）来绘制和编辑图片。它需要一个 fal API 密钥。&lt;/p&gt;&lt;ol&gt;&lt;li&gt;登录 &lt;b&gt;fal.ai&lt;/b&gt;，打开控制台的&lt;b&gt;密钥&lt;/b&gt;页面（&lt;code&gt;{url}&lt;/code&gt;）。&lt;/li&gt;&lt;li&gt;创建一个密钥并复制（形如 &lt;code&gt;id:secret&lt;/code&gt;）。&lt;/li&gt;&lt;li&gt;打开&lt;b&gt;文件 → 设置…&lt;/b&gt;，粘贴密钥并点击&lt;b&gt;保存到系统钥匙串&lt;/b&gt;。密钥保存在系统钥匙串中，绝不写入文件。&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;在 fal 上每张图片约 $0.075。你也可以先用&lt;b&gt;演示模式&lt;/b&gt;试用本应用：内置的本地服务器绘制占位图片，不发送任何内容，也不产生任何费用。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Handing the job to the engine…</source>
        <translation>正在把任务交给引擎…</translation>
    </message>
    <message>
        <source>Job sent.</source>
        <translation>任务已发送。</translation>
    </message>
    <message>
        <source>fal already made this job&apos;s result and charged for it: a retry would pay again. Use Re-download to fetch it without a new charge.</source>
        <translation>fal 已生成此任务的结果并已计费：重试会再次付费。请使用“重新下载”获取结果，不会再次计费。</translation>
    </message>
    <message>
        <source>No API key: open File → Settings… (or start in demo mode).</source>
        <translation>没有 API 密钥：请打开 文件 → 设置…（或以演示模式启动）。</translation>
    </message>
    <message>
        <source>DEMO: images are local placeholders; nothing is sent to fal or charged. File → Leave demo mode goes back to fal.</source>
        <translation>演示模式：图片是本地占位图；不会向 fal 发送任何内容，也不会计费。文件 → 退出演示模式 可回到 fal。</translation>
    </message>
    <message>
        <source>fal accepted the cancel; a run it has started may still finish</source>
        <translation>fal 已接受取消；已开始的运行仍可能完成</translation>
    </message>
    <message>
        <source>cost unknown</source>
        <translation>费用未知</translation>
    </message>
    <message>
        <source>Generate · {cost}</source>
        <translation>生成 · {cost}</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>{width}×{height} = {total} px. The total must lie between 512×512 (262,144) and 2048×2048 (4,194,304) pixels.</source>
        <translation>{width}×{height} = {total} px。总像素必须在 512×512（262,144）到 2048×2048（4,194,304）之间。</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Images ready</source>
        <translation>图片已就绪</translation>
    </message>
    <message>
        <source>Job: {state}</source>
        <translation>任务：{state}</translation>
    </message>
    <message>
        <source>Adding {count} image(s) as edit references and the prompt file loaded into the editor (Edit → Restore previous draft goes back).</source>
        <translation>正在添加 {count} 张图片作为编辑参考图，并已将提示词文件载入编辑器（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>Adding {count} image(s) as edit references.</source>
        <translation>正在添加 {count} 张图片作为编辑参考图。</translation>
    </message>
    <message>
        <source>The prompt file loaded into the editor (Edit → Restore previous draft goes back).</source>
        <translation>提示词文件已载入编辑器（编辑 → 恢复上一份草稿 可以还原）。</translation>
    </message>
    <message>
        <source>{app} is open here.</source>
        <translation>{app} 已在此打开。</translation>
    </message>
    <message>
        <source>&lt;h3&gt;{app} {version}&lt;/h3&gt;&lt;p&gt;A desktop client for fal&apos;s Qwen Image 2 endpoints: {endpoints}.&lt;/p&gt;&lt;p&gt;Your API key stays in the system keyring; prompts, images and history stay on this computer.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;{app} {version}&lt;/h3&gt;&lt;p&gt;fal Qwen Image 2 端点的桌面客户端：{endpoints}。&lt;/p&gt;&lt;p&gt;你的 API 密钥保存在系统钥匙串中；提示词、图片和历史记录都保存在这台电脑上。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Cancel this job? It is waiting in fal&apos;s queue: a job cancelled before it starts costs nothing, but if fal starts it before the cancel arrives it is charged.</source>
        <translation>取消此任务？它正在 fal 的队列中等待：开始前取消不收费，但如果 fal 在取消请求到达前开始运行，就会计费。</translation>
    </message>
    <message>
        <source>Cancel this job? fal has already started it: fal may finish it anyway, and a run that has started is probably charged even if it is cancelled.</source>
        <translation>取消此任务？fal 已经开始运行它：fal 仍可能完成它，而且已开始的运行即使被取消也很可能计费。</translation>
    </message>
    <message>
        <source>fal answered that it had already finished</source>
        <translation>fal 回复说它已经完成</translation>
    </message>
    <message>
        <source>fal refused the cancel ({detail})</source>
        <translation>fal 拒绝了取消（{detail}）</translation>
    </message>
    <message>
        <source>you cancelled it, but fal had already started it and finished it ({answer}); it is probably charged</source>
        <translation>你取消了它，但 fal 已经开始并完成了它（{answer}）；很可能已计费</translation>
    </message>
    <message>
        <source>1 job is still at fal. Quitting does not stop it: fal keeps running it and charges for it, and its result is fetched the next time the app starts. Quit anyway?</source>
        <translation>还有 1 个任务在 fal 运行。退出不会停止它：fal 会继续运行并计费，结果会在下次启动应用时获取。仍要退出吗？</translation>
    </message>
    <message>
        <source>{count} jobs are still at fal. Quitting does not stop them: fal keeps running them and charges for them, and their results are fetched the next time the app starts. Quit anyway?</source>
        <translation>还有 {count} 个任务在 fal 运行。退出不会停止它们：fal 会继续运行并计费，结果会在下次启动应用时获取。仍要退出吗？</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>1 job finished</source>
        <translation>1 个任务已完成</translation>
    </message>
    <message>
        <source>{count} jobs finished</source>
        <translation>{count} 个任务已完成</translation>
    </message>
    <message>
        <source>{count} with images</source>
        <translation>{count} 个有图片</translation>
    </message>
    <message>
        <source>{count} failed</source>
        <translation>{count} 个失败</translation>
    </message>
    <message>
        <source>{count} cancelled</source>
        <translation>{count} 个已取消</translation>
    </message>
    <message>
        <source>{count} submission unknown</source>
        <translation>{count} 个提交状态未知</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
</context>
<context>
    <name>ParamsPanel</name>
    <message>
        <source>Apply a saved set of parameters</source>
        <translation>应用一组已保存的参数</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <source>Save the current parameters as a named preset</source>
        <translation>将当前参数保存为命名预设</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Presets…</source>
        <translation>预设…</translation>
    </message>
    <message>
        <source>A preset name holds at most {max} characters: it was saved as “{name}”.</source>
        <translation>预设名称最多 {max} 个字符：已保存为“{name}”。</translation>
    </message>
    <message>
        <source>There are already {count} presets: delete one to save another.</source>
        <translation>已有 {count} 个预设：请先删除一个再保存。</translation>
    </message>
    <message>
        <source>Save preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <source>Generate (Ctrl+Enter)</source>
        <translation>生成 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Fix the marked fields to generate.</source>
        <translation>请修正标记的字段后再生成。</translation>
    </message>
    <message>
        <source>Note: {field}: {message}.</source>
        <translation>注意：{field}：{message}。</translation>
    </message>
</context>
<context>
    <name>Preview</name>
    <message>
        <source>Prompt preview</source>
        <translation>提示词预览</translation>
    </message>
</context>
<context>
    <name>PromptEditor</name>
    <message>
        <source>Describe the image. Markdown works: ## sections, - lists, **bold**.
Chinese and English both work.</source>
        <translation>描述图片。支持 Markdown：## 分节、- 列表、**粗体**。
中文和英文都可以。</translation>
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
    <name>ReferenceStrip</name>
    <message>
        <source>image {number}</source>
        <translation>图 {number}</translation>
    </message>
    <message>
        <source>Move earlier</source>
        <translation>前移</translation>
    </message>
    <message>
        <source>Move later</source>
        <translation>后移</translation>
    </message>
    <message>
        <source>Remove this reference</source>
        <translation>移除此参考图</translation>
    </message>
    <message>
        <source>Reference images</source>
        <translation>参考图</translation>
    </message>
    <message>
        <source>Drop or paste up to 3 images; the prompt calls them image 1, image 2, image 3.</source>
        <translation>拖入或粘贴最多 3 张图片；提示词中称为图 1、图 2、图 3。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <source>Fix and add</source>
        <translation>修正并添加</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图片。</translation>
    </message>
    <message>
        <source>The history is still opening; try again in a moment.</source>
        <translation>历史记录仍在打开中；请稍后再试。</translation>
    </message>
    <message>
        <source>An edit takes at most {max} images; {count} were not added.</source>
        <translation>一次编辑最多使用 {max} 张图片；有 {count} 张未添加。</translation>
    </message>
    <message>
        <source>The images could not be added: {error}</source>
        <translation>无法添加图片：{error}</translation>
    </message>
    <message>
        <source>Offered fix: {fixes}.</source>
        <translation>可用的修正：{fixes}。</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)</translation>
    </message>
    <message>
        <source>{name} could not be kept: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
</context>
<context>
    <name>ResultViewer</name>
    <message>
        <source>Result images</source>
        <translation>结果图片</translation>
    </message>
    <message>
        <source>Select a finished job to see its images.</source>
        <translation>选择一个已完成的任务以查看其图片。</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Fit the image into the view</source>
        <translation>让图片适应视图</translation>
    </message>
    <message>
        <source>Show the image at its real size; drag to pan</source>
        <translation>以实际大小显示图片；拖动可平移</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the image to the clipboard</source>
        <translation>将图片复制到剪贴板</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save a copy of the image</source>
        <translation>保存图片的副本</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Open the folder that holds the image</source>
        <translation>打开图片所在的文件夹</translation>
    </message>
    <message>
        <source>Use these settings</source>
        <translation>使用这些设置</translation>
    </message>
    <message>
        <source>Copy this job&apos;s prompt, seed and parameters back</source>
        <translation>将此任务的提示词、种子和参数复制回草稿</translation>
    </message>
    <message>
        <source>Edit this image</source>
        <translation>编辑此图片</translation>
    </message>
    <message>
        <source>Use this image as image 1 of an edit</source>
        <translation>将此图片用作编辑的图 1</translation>
    </message>
    <message>
        <source>Image {number} of {count}</source>
        <translation>第 {number} 张，共 {count} 张</translation>
    </message>
    <message>
        <source>Image copied to the clipboard.</source>
        <translation>图片已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Saved {name}.</source>
        <translation>已保存 {name}。</translation>
    </message>
    <message>
        <source>Could not save the image to {path}: {error}</source>
        <translation>无法将图片保存到 {path}：{error}</translation>
    </message>
    <message>
        <source>Save image as</source>
        <translation>图片另存为</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Parameters unknown (job from an earlier session).</source>
        <translation>参数未知（之前会话的任务）。</translation>
    </message>
    <message>
        <source>negative: {text}</source>
        <translation>反向：{text}</translation>
    </message>
</context>
<context>
    <name>SeedField</name>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>A new random seed for every request</source>
        <translation>每次请求使用新的随机种子</translation>
    </message>
    <message>
        <source>Fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>The same seed every time</source>
        <translation>每次都用同一个种子</translation>
    </message>
    <message>
        <source>Increment</source>
        <translation>递增</translation>
    </message>
    <message>
        <source>The seed goes up by one after every Generate</source>
        <translation>每次生成后种子加一</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the seed to the clipboard</source>
        <translation>将种子复制到剪贴板</translation>
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
        <source>Off: fal&apos;s price</source>
        <translation>关闭：使用 fal 的价格</translation>
    </message>
    <message>
        <source>Use my own price per image (overrides fal&apos;s)</source>
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
        <source>fal&apos;s prices could not be read now ({reason}); the last known are used.</source>
        <translation>现在无法读取 fal 的价格（{reason}）；使用最近一次已知的价格。</translation>
    </message>
    <message>
        <source>{model}: price unknown (not read from fal yet)</source>
        <translation>{model}：价格未知（尚未从 fal 读取）</translation>
    </message>
    <message>
        <source>{model}: ${price} per image (fal&apos;s price as of {date})</source>
        <translation>{model}：每张图片 ${price}（fal 的价格，截至 {date}）</translation>
    </message>
    <message>
        <source>{model}: ${price} per image (fal&apos;s price)</source>
        <translation>{model}：每张图片 ${price}（fal 的价格）</translation>
    </message>
    <message>
        <source>Optional: an ADMIN-scope fal key (id:secret)</source>
        <translation>可选：具有 ADMIN 权限的 fal 密钥 (id:secret)</translation>
    </message>
    <message>
        <source>Save billing key</source>
        <translation>保存计费密钥</translation>
    </message>
    <message>
        <source>Remove billing key</source>
        <translation>移除计费密钥</translation>
    </message>
    <message>
        <source>Test billing key</source>
        <translation>测试计费密钥</translation>
    </message>
    <message>
        <source>Balance (optional billing key)</source>
        <translation>余额（可选的计费密钥）</translation>
    </message>
    <message>
        <source>fal shows the balance only to a key with the ADMIN scope. Saved here, in the system keyring apart from the API key, it shows the balance in the status bar; without it nothing is shown.</source>
        <translation>fal 只向具有 ADMIN 权限的密钥显示余额。保存在这里（系统钥匙串中，与 API 密钥分开）后，状态栏会显示余额；没有它则什么都不显示。</translation>
    </message>
    <message>
        <source>Warn when the balance is under</source>
        <translation>余额低于此值时提醒</translation>
    </message>
    <message>
        <source>The billing key was saved to the system keyring.</source>
        <translation>计费密钥已保存到系统钥匙串。</translation>
    </message>
    <message>
        <source>The billing key was removed; no balance is shown.</source>
        <translation>计费密钥已移除；不再显示余额。</translation>
    </message>
    <message>
        <source>The billing key works: {balance}.</source>
        <translation>计费密钥可用：{balance}。</translation>
    </message>
    <message>
        <source>Testing the billing key…</source>
        <translation>正在测试计费密钥…</translation>
    </message>
    <message>
        <source>There is no billing key to test: paste one.</source>
        <translation>没有可测试的计费密钥：请粘贴一个。</translation>
    </message>
</context>
<context>
    <name>SizeField</name>
    <message>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <source>Lock aspect</source>
        <translation>锁定比例</translation>
    </message>
    <message>
        <source>The result has the size of the last reference image.</source>
        <translation>结果与最后一张参考图尺寸相同。</translation>
    </message>
</context>
<context>
    <name>Spend</name>
    <message>
        <source>Spend per day, last 30 days</source>
        <translation>最近 30 天每日花费</translation>
    </message>
    <message>
        <source>today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>max {cost}/day</source>
        <translation>最高 {cost}/天</translation>
    </message>
    <message>
        <source>Spend</source>
        <translation>花费</translation>
    </message>
    <message>
        <source>What fal billed</source>
        <translation>fal 的计费</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>All time</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>{count} job(s) of unknown cost are not counted above (a submit whose outcome is unknown, or a failure fal may have billed).</source>
        <translation>有 {count} 个费用未知的任务未计入上面的统计（提交结果未知，或 fal 可能已计费的失败任务）。</translation>
    </message>
    <message>
        <source>Per endpoint</source>
        <translation>按端点</translation>
    </message>
    <message>
        <source>Per day</source>
        <translation>按天</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export spend</source>
        <translation>导出花费</translation>
    </message>
</context>
<context>
    <name>TagEditor</name>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>cat, 水彩, portrait…</source>
        <translation>猫, 水彩, 人像…</translation>
    </message>
    <message>
        <source>Tags of the selected generation, comma separated:</source>
        <translation>所选生成记录的标签，用逗号分隔：</translation>
    </message>
    <message>
        <source>Tags of the selected {count} generations, comma separated:</source>
        <translation>所选 {count} 条生成记录的标签，用逗号分隔：</translation>
    </message>
</context>
<context>
    <name>TextLimit</name>
    <message>
        <source>The {what} holds at most {limit} characters: 1 character of the text you added was left out.</source>
        <translation>{what}最多 {limit} 个字符：你添加的文本中有 1 个字符被舍弃。</translation>
    </message>
    <message>
        <source>The {what} holds at most {limit} characters: {count} characters of the text you added were left out.</source>
        <translation>{what}最多 {limit} 个字符：你添加的文本中有 {count} 个字符被舍弃。</translation>
    </message>
</context>
<context>
    <name>UserFiles</name>
    <message>
        <source>PNG image</source>
        <translation>PNG 图片</translation>
    </message>
    <message>
        <source>JPEG image</source>
        <translation>JPEG 图片</translation>
    </message>
    <message>
        <source>WebP image</source>
        <translation>WebP 图片</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>The image could not be copied to the output folder: {error}</source>
        <translation>无法将图片复制到输出文件夹：{error}</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>No file manager could be opened. The image is at:

{path}</source>
        <translation>无法打开文件管理器。图片位于：

{path}</translation>
    </message>
    <message>
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
</context>
<context>
    <name>Wildcards</name>
    <message>
        <source>Wildcard lists</source>
        <translation>通配列表</translation>
    </message>
    <message>
        <source>One entry a line, e.g.
red
深蓝色
# a comment</source>
        <translation>每行一项，例如
红色
深蓝色
# 注释</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>新建…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Write __name__ in a prompt to use one entry of the list “name”.</source>
        <translation>在提示词中写 __name__，即可使用列表“name”中的一项。</translation>
    </message>
    <message>
        <source>__{name}__: 1 entry</source>
        <translation>__{name}__：1 项</translation>
    </message>
    <message>
        <source>__{name}__: {count} entries</source>
        <translation>__{name}__：{count} 项</translation>
    </message>
    <message>
        <source>Saved __{name}__.</source>
        <translation>已保存 __{name}__。</translation>
    </message>
    <message>
        <source>New wildcard list</source>
        <translation>新建通配列表</translation>
    </message>
    <message>
        <source>Name (used as __name__):</source>
        <translation>名称（用作 __name__）：</translation>
    </message>
    <message>
        <source>Rename wildcard list</source>
        <translation>重命名通配列表</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Delete wildcard list</source>
        <translation>删除通配列表</translation>
    </message>
    <message>
        <source>Delete the list “{name}”? Prompts that use __{name}__ will say it is missing.</source>
        <translation>删除列表“{name}”？使用 __{name}__ 的提示词将提示它缺失。</translation>
    </message>
</context>
</TS>
