export default definePageConfig({ navigationBarTitleText: '分期', enablePullDownRefresh: false });
